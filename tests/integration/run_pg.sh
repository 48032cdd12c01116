#!/usr/bin/env bash
# The integration suites' PostgreSQL pass (issue 14): a named subset of every
# API run against nodes on PostgreSQL (VOUCH_STORE=postgres: each server on a
# fresh database of a throwaway cluster, tests/integration/python/pg_cluster.py).
# The fleet tests (test_fleet.py, several nodes on one database) are in the
# main pass (run.sh), with a cluster of their own.
#   VOUCH_BIN selects the binary (default <repo>/build/vouch); extra arguments go to pytest.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export VOUCH_BIN="${VOUCH_BIN:-$repo/build/vouch}"
if [[ ! -x "$VOUCH_BIN" ]]; then
  echo "run_pg.sh: vouch binary not found or not executable: $VOUCH_BIN" >&2
  exit 2
fi
if [[ -z "${VOUCH_NO_SNAPSHOT:-}" ]]; then
  snap_dir="$(mktemp -d "${TMPDIR:-/tmp}/vouch-it-bin.XXXXXX")"
  trap 'rm -rf "$snap_dir"' EXIT
  cp "$VOUCH_BIN" "$snap_dir/vouch"
  export VOUCH_BIN="$snap_dir/vouch"
fi
py="$repo/tests/integration/python"

# SES v1 through boto3 and the AWS CLI, the admin API, accounts, email with
# aiosmtpd, the DNS timeline (SES and Lattice) with knot, SES v2 through botocore.
PY_SUBSET=(
  "$py/test_ses_boto3.py"
  "$py/test_ses_cli.py"
  "$py/test_admin_api.py"
  "$py/test_accounts.py::test_new_secret_counts_within_seconds"
  "$py/test_email_verification.py"
  "$py/test_dns_timeline.py"
  "$py/test_sesv2.py"
)
# Lattice, SES and SES v2 through the AWS SDK for JavaScript v3.
JS_SUBSET=(tests/integration/js/lattice.test.mjs tests/integration/js/ses.test.mjs
  tests/integration/js/sesv2.test.mjs)

echo "== pytest on PostgreSQL: ${PY_SUBSET[*]#$py/}"
(cd "$repo" && VOUCH_STORE=postgres /usr/bin/python3 -m pytest -p no:cacheprovider -q \
    "${PY_SUBSET[@]}" "$@")
py_rc=$?

js_rc=0
# Installed, and no older than the lock (as run.sh checks).
if [[ ! -d "$repo/node_modules/@aws-sdk/client-ses" ||
      "$repo/package-lock.json" -nt "$repo/node_modules/.package-lock.json" ]]; then
  echo "== npm ci (AWS SDK for JavaScript v3)"
  "$repo/scripts/npm_ci.sh" || js_rc=2
fi
if [[ $js_rc -eq 0 ]]; then
  echo "== node --test on PostgreSQL: ${JS_SUBSET[*]}"
  (cd "$repo" && /usr/bin/python3 "$py/pg_cluster.py" run --fsync-off -- \
      env VOUCH_STORE=postgres node --test "${JS_SUBSET[@]}")
  js_rc=$?
fi
echo "== integration on PostgreSQL: pytest rc=$py_rc, node rc=$js_rc"
[[ $py_rc -eq 0 && $js_rc -eq 0 ]]
