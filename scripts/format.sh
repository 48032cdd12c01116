#!/usr/bin/env bash
# Applies .clang-format to the C++ sources under src/, bench/ and fuzz/.
# Run from the repository root (the .clang-format file must be there).
# CLANG_FORMAT=/path/to/clang-format overrides the binary (default: clang-format, v14 expected).
set -euo pipefail
cf=${CLANG_FORMAT:-clang-format}
[ -f .clang-format ] || { echo "apply-format.sh: no .clang-format here; run from the repo root" >&2; exit 1; }
ver=$("$cf" --version)
case "$ver" in
  *" 14."*) ;;
  *) echo "apply-format.sh: warning: expected clang-format 14, got: $ver" >&2 ;;
esac
# git pathspec '*' also matches '/', so these include subdirectories.
git ls-files -z -- 'src/*.cc' 'src/*.h' 'bench/*.cc' 'bench/*.h' 'fuzz/*.cc' 'fuzz/*.h' |
  xargs -0 -r -n 20 "$cf" -i --style=file
git diff --stat -- src bench fuzz | tail -1
