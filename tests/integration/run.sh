#!/usr/bin/env bash
# Run vouch's integration suites against the real binary:
#   1. pytest (Debian's /usr/bin/python3 with python3-boto3, python3-pytest, awscli)
#   2. node --test (AWS SDK for JavaScript v3 from the repo's package.json)
# Exits non-zero if either suite fails.  VOUCH_BIN selects the binary
# (default <repo>/build/vouch).  Extra arguments go to pytest.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export VOUCH_BIN="${VOUCH_BIN:-$repo/build/vouch}"

if [[ ! -x "$VOUCH_BIN" ]]; then
  echo "run.sh: vouch binary not found or not executable: $VOUCH_BIN" >&2
  exit 2
fi

# Snapshot the binary so that a rebuild during the run does not pull it away
# from under the tests (set VOUCH_NO_SNAPSHOT=1 to use it in place).
if [[ -z "${VOUCH_NO_SNAPSHOT:-}" ]]; then
  snap_dir="$(mktemp -d "${TMPDIR:-/tmp}/vouch-it-bin.XXXXXX")"
  trap 'rm -rf "$snap_dir"' EXIT
  cp "$VOUCH_BIN" "$snap_dir/vouch"
  echo "run.sh: testing a snapshot of $VOUCH_BIN"
  export VOUCH_BIN="$snap_dir/vouch"
fi

py_rc=0
if ! /usr/bin/python3 -c 'import pytest, boto3' 2>/dev/null; then
  echo "run.sh: /usr/bin/python3 lacks pytest/boto3 (apt-get install python3-pytest python3-boto3 awscli)" >&2
  py_rc=2
else
  echo "== pytest: tests/integration/python (VOUCH_BIN=$VOUCH_BIN)"
  (cd "$repo" && /usr/bin/python3 -m pytest -p no:cacheprovider -q \
      tests/integration/python "$@")
  py_rc=$?
fi

js_rc=0
# Installed, and no older than the lock (a new client, e.g. client-sesv2).
if [[ ! -d "$repo/node_modules/@aws-sdk/client-ses" ||
      "$repo/package-lock.json" -nt "$repo/node_modules/.package-lock.json" ]]; then
  echo "== npm ci (AWS SDK for JavaScript v3)"
  "$repo/scripts/npm_ci.sh" || js_rc=2
fi
if [[ $js_rc -eq 0 ]]; then
  echo "== node --test: tests/integration/js"
  (cd "$repo" && node --test tests/integration/js/)
  js_rc=$?
fi

echo "== integration: pytest rc=$py_rc, node rc=$js_rc"
if [[ $py_rc -ne 0 || $js_rc -ne 0 ]]; then
  exit 1
fi
exit 0
