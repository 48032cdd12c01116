#!/usr/bin/env bash
# The arrows of ARCHITECTURE.md, checked on every #include "layer/...": a
# file may include its own layer and the layers listed for it, nothing else.
# A quoted include must name its layer ("core/clock.h", not "clock.h").
# Tests (*_test.cc and the test helpers) may also include testing/ and the
# store, scheduler and mail they wire their fixtures from. cli wires everything.
# Usage: scripts/check_layers.sh [src-dir]   (exit 1 on a violation)
set -euo pipefail
src="${1:-$(dirname "$0")/../src}"

declare -A allowed=(
  [core]=""
  [crypto]="core"
  [http]=""
  [auth]="core crypto"
  [mail]="core crypto"
  [webhook]="core crypto"
  [service]="core crypto mail"
  [api]="service core http auth"
  [verify]="core"
  [store]="core"
  [scheduler]="core"
  [server]="http core"
  [testing]="core"
  [metrics]="core http store"
)
test_extra="testing store scheduler mail"

bad=0
for file in $(find "$src" -name '*.cc' -o -name '*.h' | sort); do
  rel="${file#"$src"/}"
  layer="${rel%%/*}"
  [ "$layer" = cli ] && continue
  if [ -z "${allowed[$layer]+set}" ]; then
    echo "layering: $rel: $layer is not a known layer (add it to scripts/check_layers.sh)" >&2
    bad=1
    continue
  fi
  ok=" $layer ${allowed[$layer]} "
  case "$rel" in
    *_test.cc | *test_util* | *test_base.h) ok="$ok$test_extra " ;;
  esac
  while IFS= read -r path; do
    target="${path%%/*}"
    if [ "$target" = "$path" ]; then
      echo "layering: $rel includes \"$path\", which names no layer" >&2
      bad=1
    elif [[ "$ok" != *" $target "* ]]; then
      echo "layering: $rel includes \"$path\"; $layer may include only:${ok% }" >&2
      bad=1
    fi
  done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]*)".*/\1/p' "$file")
done
exit "$bad"
