#!/usr/bin/env bash
# Run vouch's integration suites against the real binary:
#   1. pytest (Debian's /usr/bin/python3 with python3-boto3, python3-pytest, awscli)
#   2. node --test (AWS SDK for JavaScript v3 from the repo's package.json)
# Exits non-zero if either suite fails.  VOUCH_BIN selects the binary
# (default <repo>/build/vouch).  Extra arguments go to pytest.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

py_rc=0
if ! /usr/bin/python3 -c 'import pytest, boto3' 2>/dev/null; then
  echo "run.sh: /usr/bin/python3 lacks pytest/boto3 (apt-get install python3-pytest python3-boto3 awscli)" >&2
  py_rc=2
else
  echo "== pytest: tests/integration/python (VOUCH_BIN=$VOUCH_BIN)"
  (cd "$repo" && /usr/bin/python3 -m pytest -p no:cacheprovider -q "${pytest_jobs[@]}" \
      tests/integration/python "$@")
  py_rc=$?
fi

js_rc=0
ensure_node_modules || js_rc=2
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
