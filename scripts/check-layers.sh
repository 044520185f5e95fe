#!/usr/bin/env bash
# check-layers.sh: the provider's layers point only down (DESIGN.md, "Where the design goes
# next"):
#
#   util → props → aws → config → resources → rpc → server → main
#
# Every C file under provider/ belongs to one layer (layer_of below), and each of its
# `#include "..."` lines must name a file of its own layer or a lower one. Generated
# protobuf-c headers count as props (google/protobuf/*: the Struct conversion sits beside
# the value tree) or rpc (pulumi/*, google/rpc/*). A layer may also skip a lower one (SKIP:
# aws/ takes no Pulumi types). Known upward includes are listed in ALLOW with the reason;
# any other upward include fails, and so does an ALLOW entry that no longer matches (the
# list only shrinks). Prints file:line and the rule for each offence; exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

LAYERS=(util props aws config resources rpc server main)
ORDER="util → props → aws → config → resources → rpc → server → main"

# Pairs "<layer> <lower layer>" that are not to be included although lower.
SKIP=(
  # aws/ takes plain C options in: no Pulumi types (the value tree), so the client can be
  # built and tested without Pulumi.
  "aws props"
)

# Known upward includes ("<file> <included file>"), to be removed, never added to.
# None left: resources get the client, configuration and shutdown through the call
# context (res_ctx, filled by provider_fill_ctx in the rpc layer).
ALLOW=()

# The layer of a file (a path from the repository root, or a generated header as
# included), or nothing when it has none.
layer_of() {
  case "$1" in
    provider/util/*) echo util ;;
    provider/props.[ch]) echo props ;;
    provider/aws/*) echo aws ;;
    provider/config.[ch]) echo config ;;
    provider/resources/* | provider/advice.[ch] | provider/resource.h) echo resources ;;
    provider/rpc.[ch] | provider/analyzer.[ch] | provider/registry.c | provider/schema.[ch] | provider/status.[ch] | \
      provider/wire.[ch] | provider/provider.[ch]) echo rpc ;;
    provider/server.[ch] | provider/pool.[ch]) echo server ;;
    provider/main.c | provider/cmd/*) echo main ;;
    google/protobuf/*.pb-c.h) echo props ;;
    pulumi/*.pb-c.h | google/rpc/*.pb-c.h) echo rpc ;;
  esac
}

rank_of() {
  local i
  for i in "${!LAYERS[@]}"; do
    if [ "${LAYERS[$i]}" = "$1" ]; then
      echo "$i"
      return
    fi
  done
}

# What `#include "inc"` in file names: the including file's directory first, then
# provider/ (the -Iprovider of the build), then a generated header by its name.
resolve() {
  local file=$1 inc=$2 p
  for p in "$(dirname "$file")/$inc" "provider/$inc"; do
    if [ -f "$p" ]; then
      realpath -m --relative-to=. "$p"
      return
    fi
  done
  case "$inc" in
    *.pb-c.h) echo "$inc" ;;
  esac
}

rc=0
declare -A used=()
n_files=0
n_includes=0
while IFS= read -r file; do
  n_files=$((n_files + 1))
  layer=$(layer_of "$file")
  if [ -z "$layer" ]; then
    echo "$file: in no layer: add it to layer_of in scripts/check-layers.sh ($ORDER)" >&2
    rc=1
    continue
  fi
  rank=$(rank_of "$layer")
  while IFS=: read -r line text; do
    inc=$(printf '%s\n' "$text" | sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/')
    n_includes=$((n_includes + 1))
    target=$(resolve "$file" "$inc")
    if [ -z "$target" ]; then
      echo "$file:$line: #include \"$inc\" names no file of the tree" >&2
      rc=1
      continue
    fi
    tlayer=$(layer_of "$target")
    if [ -z "$tlayer" ]; then
      echo "$file:$line: #include \"$inc\" ($target) is in no layer: add it to layer_of in scripts/check-layers.sh" >&2
      rc=1
      continue
    fi
    for sk in "${SKIP[@]}"; do
      if [ "$sk" = "$layer $tlayer" ]; then
        echo "$file:$line: #include \"$inc\" reaches from $layer into $tlayer, which $layer skips (see SKIP in scripts/check-layers.sh)" >&2
        rc=1
      fi
    done
    if [ "$(rank_of "$tlayer")" -le "$rank" ]; then
      continue
    fi
    key="$file $target"
    allowed=false
    for a in "${ALLOW[@]}"; do
      if [ "$a" = "$key" ]; then
        allowed=true
        used[$key]=1
      fi
    done
    if ! $allowed; then
      echo "$file:$line: #include \"$inc\" reaches up from $layer to $tlayer: a layer includes only its own and lower layers ($ORDER)" >&2
      rc=1
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
done < <(find provider -name '*.[ch]' | sort)

for a in "${ALLOW[@]}"; do
  if [ -z "${used[$a]:-}" ]; then
    echo "scripts/check-layers.sh: ALLOW entry \"$a\" no longer matches an upward include: remove it" >&2
    rc=1
  fi
done
if [ $rc -eq 0 ]; then
  echo "check-layers: $n_includes includes of $n_files files point down ($ORDER; ${#ALLOW[@]} known exceptions)"
fi
exit $rc
