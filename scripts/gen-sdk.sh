#!/usr/bin/env bash
# Generate the Python SDK `pulumi_awsml` from the schema the plugin serves.
#
#   scripts/gen-sdk.sh BIN OUT_DIR VERSION     e.g. scripts/gen-sdk.sh bin/pulumi-resource-awsml build/sdk 0.1.0
#   scripts/gen-sdk.sh --generator             only build the generator (make tools)
#
# 1. `pulumi package get-schema BIN` (GetSchema of the binary: the embedded
#    schema/schema.json) -> OUT_DIR/schema.json
# 2. gen-python-sdk (scripts/gen-sdk/main.go: pulumi/pkg/v3's Python codegen,
#    the code `pulumi package gen-sdk --language python` runs) binds and validates
#    that schema against Pulumi's metaschema and writes OUT_DIR/python, removed
#    first. The output is never edited by hand and never committed.
#
# Why not `pulumi package gen-sdk` itself: since v3.1xx the CLI asks the
# language host to generate code (LanguageRuntime.GeneratePackage), and the
# only Python language host buildable here (sdk/v3 v3.68.0, see tools.sh)
# predates that RPC ("method GeneratePackage not implemented"). The generator
# is the same library, called directly, pinned below.
#
# The generator is built once per machine from the Go module proxy into
# ${AWSML_CACHE:-~/.cache/awsml}/gen-python-sdk-<version>-<source hash>/ (cold:
# about a minute, reusing the Go caches of the CLI build; warm: nothing). `make tools`
# builds it; with AWSML_NO_INSTALL=1 (make check) a missing generator is an error naming
# `make tools`, not a Go build.
#
# Codegen pin: pkg/v3 v3.276.0, not the CLI's v3.260.0: its `_utilities.py`
# imports `packaging` (like pulumi_aws 7.51.1's), where v3.260.0's imports
# `parver`, which the toolchain venv does not have. The generated code needs
# nothing newer than the `pulumi` Python SDK in the venv, except the generated
# `Resource.exists()` helpers (pulumi.runtime.exists_resource, newer SDKs).
#
# Environment: PULUMI (CLI, default .tools/bin/pulumi, else `pulumi` on PATH),
# AWSML_CACHE, GO (default `go` on PATH, else /usr/local/go/bin/go).
set -euo pipefail

CODEGEN_VERSION=v3.276.0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${AWSML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/awsml}
SRC="$ROOT/scripts/gen-sdk/main.go"

say() { printf 'gen-sdk: %s\n' "$*" >&2; }
die() { printf 'gen-sdk: error: %s\n' "$*" >&2; exit 1; }

generator_only=0
if [ $# -eq 1 ] && [ "$1" = --generator ]; then
  generator_only=1
else
  [ $# -eq 3 ] || { sed -n '2,5p' "${BASH_SOURCE[0]}" >&2; exit 2; }
  BIN=$1 OUT=$2 VERSION=$3
  [ -x "$BIN" ] || die "no plugin binary at $BIN (run make)"
  case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac   # the CLI takes a path only if it looks like one

  PULUMI=${PULUMI:-}
  if [ -z "$PULUMI" ]; then
    if [ -x "$ROOT/.tools/bin/pulumi" ]; then PULUMI="$ROOT/.tools/bin/pulumi"
    else PULUMI=$(command -v pulumi) || die "no pulumi CLI: run 'make tools'"
    fi
  fi
fi

# ---- the generator ------------------------------------------------------------
key=$( (cat "$SRC"; echo "$CODEGEN_VERSION") | sha256sum | cut -c1-12)
tooldir="$CACHE/gen-python-sdk-$CODEGEN_VERSION-$key"
GEN="$tooldir/gen-python-sdk"
if [ ! -f "$tooldir/.complete" ]; then
  mkdir -p "$CACHE"
  exec 8>"$CACHE/.gen-sdk.lock"
  flock 8
  # (after the lock: a build running elsewhere is waited for, not reported missing)
  if [ ! -f "$tooldir/.complete" ] && [ "${AWSML_NO_INSTALL:-0}" = 1 ]; then
    die "missing: the Python SDK generator (pulumi/pkg/v3 $CODEGEN_VERSION codegen, cache" \
      "$tooldir); make check builds nothing: run 'make tools' (or 'make test', which does)"
  fi
  if [ ! -f "$tooldir/.complete" ]; then
    GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
    [ -x "$GO" ] || die "Go is needed to build the SDK generator (pulumi/pkg/v3 $CODEGEN_VERSION); none found"
    say "building the Python SDK generator (pulumi/pkg/v3 $CODEGEN_VERSION codegen) into $tooldir"
    t0=$SECONDS
    rm -rf "$tooldir"; mkdir -p "$tooldir/src"
    cp "$SRC" "$tooldir/src/main.go"
    ( cd "$tooldir/src"
      export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false" GOTOOLCHAIN=${GOTOOLCHAIN:-local}
      "$GO" mod init awsml.local/gen-python-sdk >/dev/null 2>&1
      "$GO" get "github.com/pulumi/pulumi/pkg/v3/codegen/python@$CODEGEN_VERSION" \
                "github.com/pulumi/pulumi/pkg/v3/codegen/schema@$CODEGEN_VERSION" \
                "github.com/pulumi/pulumi/sdk/v3@$CODEGEN_VERSION" \
                github.com/blang/semver > get.log 2>&1 || { cat get.log >&2; exit 1; }
      "$GO" build -ldflags "-s -w" -o "$GEN" . ) || die "building the SDK generator failed"
    rm -rf "$tooldir/src"
    date -u +%FT%TZ > "$tooldir/.complete"
    say "generator ready in $((SECONDS - t0)) s"
  fi
  exec 8>&-
fi

[ "$generator_only" = 0 ] || exit 0

# ---- schema from the binary, then the SDK ---------------------------------------
mkdir -p "$OUT"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
"$PULUMI" package get-schema "$BIN" > "$OUT/schema.json.tmp" \
  || die "pulumi package get-schema $BIN failed"
mv -f "$OUT/schema.json.tmp" "$OUT/schema.json"
"$GEN" "$OUT/schema.json" "$OUT" "$VERSION"
# pyproject.toml names README.md beside it; the generator writes it into the package.
cp "$OUT/python/pulumi_awsml/README.md" "$OUT/python/README.md"
say "pulumi_awsml $VERSION in $OUT/python"
