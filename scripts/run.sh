#!/usr/bin/env bash
# Builds vouch and serves on its embedded default (SQLite in ./vouch-data,
# http://127.0.0.1:4566). Extra arguments go to `vouch serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVOUCH_BUILD_TESTS=OFF -DVOUCH_BUILD_BENCH=OFF >/dev/null
ninja -C build -j2 vouch
exec build/vouch serve "$@"
