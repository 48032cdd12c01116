#!/usr/bin/env bash
# Installs what vouch needs on Debian 12 (as root), and only that:
#   scripts/deps.sh           to build and run
#   scripts/deps.sh --test    and to run the unit and integration tests
#   scripts/deps.sh --bench   and to run the benchmarks (bench/README.md)
# Idempotent: does nothing when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case $mode in
  "" | --test | --bench) ;;
  *) echo "usage: scripts/deps.sh [--test | --bench]" >&2; exit 2 ;;
esac

# The libraries of CMakeLists.txt (pkg-config finds libidn2, jemalloc and libpq;
# toml++ is used header-only).
build_pkgs=(build-essential cmake ninja-build pkg-config libboost1.81-dev libssl-dev
  libsqlite3-dev libidn2-dev nlohmann-json3-dev libc-ares-dev libcurl4-openssl-dev
  libjemalloc-dev libpq-dev libtomlplusplus-dev)
# GoogleTest; the AWS clients the integration tests drive (boto3, the AWS CLI);
# pytest-xdist runs the Python suites on several workers; knot for the DNS
# and DKIM tests; aiosmtpd for the email tests; a PostgreSQL
# server the postgres store's tests start privately (src/testing/pg_cluster.h);
# chromium, which playwright-core drives for the web console's tests;
# lintian for the Debian package (test_package.py); clang and libFuzzer for
# the fuzz targets (scripts/fuzz.sh); procps (pgrep) for scripts/test.sh.
test_pkgs=(procps libgtest-dev awscli python3-boto3 python3-pytest python3-pytest-xdist python3-aiosmtpd python3-prometheus-client python3-cryptography knot postgresql
  chromium lintian clang-15 libfuzzer-15-dev)
# Load generators and the DNS ceiling (wrk, dnsperf, kdig in bench/dns), Google
# Benchmark for bench/auth_cost; the email bench signs with botocore and
# receives with aiosmtpd; the sqlite3 shell reads the seeded stores (dns/knot.sh,
# scale.sh); valgrind counts instructions (callgrind: request_cost.sh,
# ab_reads.sh, sweep_cost.sh).
bench_pkgs=(wrk dnsperf knot knot-dnsutils libbenchmark-dev python3-botocore python3-aiosmtpd sqlite3 valgrind)

want=("${build_pkgs[@]}")
[ "$mode" = "--test" ] && want+=("${test_pkgs[@]}")
[ "$mode" = "--bench" ] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js may come from the machine image rather than Debian: only ask apt
# for it when there is none at all.
if [ "$mode" = "--test" ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o Acquire::Retries=5 update -qq
  apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$mode" = "--test" ] && [ -f package-lock.json ]; then
  if [ ! -d node_modules/@aws-sdk/client-ses ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    scripts/npm_ci.sh
  fi
fi
