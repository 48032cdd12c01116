#!/usr/bin/env bash
# Installs the JavaScript test dependencies from package-lock.json.
# The registry sometimes stalls mid-download (EIDLETIMEOUT): npm's own retries
# do not cover a body that stops arriving, so the whole `npm ci` is retried.
set -uo pipefail
cd "$(dirname "$0")/.."
# playwright-core drives Debian's chromium (scripts/deps.sh): never download one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
attempts=4
for i in $(seq 1 "$attempts"); do
  if npm ci --no-audit --no-fund --loglevel=error \
      --fetch-retries=5 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=30000 \
      --fetch-timeout=120000; then
    exit 0
  fi
  if [ "$i" -lt "$attempts" ]; then
    echo "npm ci failed (attempt $i of $attempts); retrying in $((i * 15)) s" >&2
    sleep $((i * 15))
  fi
done
echo "npm ci failed $attempts times" >&2
exit 1
