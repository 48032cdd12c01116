# Sourced by run.sh and run_pg.sh: the binary under test and the JS SDK.
# Sets `repo`, `here` (the caller's folder) and exports VOUCH_BIN.
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export VOUCH_BIN="${VOUCH_BIN:-$repo/build/vouch}"
caller="$(basename "${BASH_SOURCE[1]}")"

if [[ ! -x "$VOUCH_BIN" ]]; then
  echo "$caller: vouch binary not found or not executable: $VOUCH_BIN" >&2
  exit 2
fi

# Snapshot the binary so that a rebuild during the run does not pull it away
# from under the tests (set VOUCH_NO_SNAPSHOT=1 to use it in place).
if [[ -z "${VOUCH_NO_SNAPSHOT:-}" ]]; then
  snap_dir="$(mktemp -d "${TMPDIR:-/tmp}/vouch-it-bin.XXXXXX")"
  trap 'rm -rf "$snap_dir"' EXIT
  cp "$VOUCH_BIN" "$snap_dir/vouch"
  # Tests run it as an unprivileged user too (test_startup_errors, test_package).
  chmod 755 "$snap_dir"
  echo "$caller: testing a snapshot of $VOUCH_BIN"
  export VOUCH_BIN="$snap_dir/vouch"
fi

# node_modules installed and no older than the lock (a new client, e.g.
# client-sesv2); returns non-zero when npm ci fails.
ensure_node_modules() {
  if [[ ! -d "$repo/node_modules/@aws-sdk/client-ses" ||
        "$repo/package-lock.json" -nt "$repo/node_modules/.package-lock.json" ]]; then
    echo "== npm ci (AWS SDK for JavaScript v3)"
    "$repo/scripts/npm_ci.sh" || return 2
  fi
}

# pytest's worker count: the suites wait on processes and sockets as much as
# they compute, so a few workers share two cores well. Every test starts its
# own servers on free ports and temporary directories, so workers never meet;
# a module that changes the machine (test_package.py) is kept on one worker.
# VOUCH_PYTEST_JOBS=1 (or no pytest-xdist) runs them one after the other.
pytest_jobs=()
if [[ "${VOUCH_PYTEST_JOBS:-3}" != 1 ]] && /usr/bin/python3 -c 'import xdist' 2>/dev/null; then
  pytest_jobs=(-n "${VOUCH_PYTEST_JOBS:-3}" --dist loadgroup)
fi
