#!/usr/bin/env bash
# Installs what vouch needs to build, run and test on Debian 12 (as root).
# Idempotent: does nothing when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake ninja-build pkg-config libboost1.81-dev libssl-dev
  libsqlite3-dev libidn2-dev nlohmann-json3-dev libc-ares-dev libcurl4-openssl-dev libpq-dev
  libjemalloc-dev)
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev awscli python3-boto3 python3-pytest
  python3-aiosmtpd knot knot-dnsutils dnsperf curl wrk)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js may come from the machine image rather than Debian: only ask apt
# for it when there is none at all.
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o Acquire::Retries=5 update -qq
  apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ] && [ -f package-lock.json ]; then
  if [ ! -d node_modules/@aws-sdk/client-ses ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    scripts/npm_ci.sh
  fi
fi
