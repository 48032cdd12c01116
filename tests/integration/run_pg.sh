#!/usr/bin/env bash
# The integration suites' PostgreSQL pass (issue 14): a named subset of every
# API run against nodes on PostgreSQL (VOUCH_STORE=postgres: each server on a
# fresh database of a throwaway cluster, tests/integration/python/pg_cluster.py).
# The fleet tests (test_fleet.py, several nodes on one database) are in the
# main pass (run.sh), with a cluster of their own.
#   VOUCH_BIN selects the binary (default <repo>/build/vouch); extra arguments go to pytest.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
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
  "$py/test_custom_verification.py"
  "$py/test_sesv2_byodkim.py"
  "$py/test_mail_from.py"
  "$py/test_metrics.py"
  "$py/test_events.py"
  "$py/test_webhooks.py"
)
# Lattice, SES and SES v2 through the AWS SDK for JavaScript v3.
JS_SUBSET=(tests/integration/js/lattice.test.mjs tests/integration/js/ses.test.mjs
  tests/integration/js/sesv2.test.mjs tests/integration/js/mail_from.test.mjs
  tests/integration/js/console.test.mjs)

echo "== pytest on PostgreSQL: ${PY_SUBSET[*]#$py/}"
(cd "$repo" && VOUCH_STORE=postgres /usr/bin/python3 -m pytest -p no:cacheprovider -q "${pytest_jobs[@]}" \
    "${PY_SUBSET[@]}" "$@")
py_rc=$?

js_rc=0
ensure_node_modules || js_rc=2
if [[ $js_rc -eq 0 ]]; then
  echo "== node --test on PostgreSQL: ${JS_SUBSET[*]}"
  (cd "$repo" && /usr/bin/python3 "$py/pg_cluster.py" run --fsync-off -- \
      env VOUCH_STORE=postgres node --test "${JS_SUBSET[@]}")
  js_rc=$?
fi
echo "== integration on PostgreSQL: pytest rc=$py_rc, node rc=$js_rc"
[[ $py_rc -eq 0 && $js_rc -eq 0 ]]
