#!/usr/bin/env bash
# Generate the awsml SDKs from the schema the plugin serves.
#
#   scripts/gen-sdk.sh BIN OUT_DIR VERSION [LANGUAGE...]
#                                  e.g. scripts/gen-sdk.sh bin/pulumi-resource-awsml build/sdk 0.1.0
#   scripts/gen-sdk.sh --generator only build the generators, and fetch and compile the
#                                  Go modules the Go SDK needs (make tools)
#
# LANGUAGE: python (the default when none is given), nodejs, go.
#
# 1. `pulumi package get-schema BIN` (GetSchema of the binary: the embedded
#    schema/schema.json) -> OUT_DIR/schema.json
# 2. gen-sdk (scripts/gen-sdk/main.go: pulumi/pkg/v3's Python, Node.js and Go
#    codegen, the code `pulumi package gen-sdk --language L` runs) binds and
#    validates that schema against Pulumi's metaschema and writes OUT_DIR/L for each
#    language, removed first. The output is never edited by hand and never committed:
#    - python: the package pulumi_awsml (pyproject.toml; make wheel builds it)
#    - nodejs: the TypeScript sources of @awsml/pulumi (package.json, tsconfig.json);
#      scripts/gen-sdk-build.sh compiles and packs them
#    - go:     OUT_DIR/go, the Go module github.com/awsml/awsml/sdk/go/awsml (the
#      schema's importBasePath; the root package awsml); this script adds its go.mod,
#      which requires github.com/pulumi/pulumi/sdk/v3 at the CLI's line;
#      scripts/gen-sdk-build.sh resolves its go.sum and builds it
#
# Why not `pulumi package gen-sdk` itself: since v3.1xx the CLI asks the
# language host to generate code (LanguageRuntime.GeneratePackage), and the
# language hosts buildable here (sdk/v3 v3.68.0 and older, see tools.sh)
# predate that RPC ("method GeneratePackage not implemented"). The generator
# is the same library, called directly, pinned below.
#
# The generator is built once per machine from the Go module proxy into
# ${AWSML_CACHE:-~/.cache/awsml}/gen-sdk-<codegen version>-<source hash>/ (cold:
# about a minute each, reusing the Go caches of the CLI build; warm: nothing). `make tools`
# builds it; with AWSML_NO_INSTALL=1 (make check) a missing generator is an error naming
# `make tools`, not a Go build.
#
# Codegen pins: for Python pkg/v3 v3.276.0, not the CLI's v3.260.0: its `_utilities.py`
# imports `packaging` (like pulumi_aws 7.51.1's), where v3.260.0's imports
# `parver`, which the toolchain venv does not have. The generated code needs
# nothing newer than the `pulumi` Python SDK in the venv, except the generated
# `Resource.exists()` helpers (pulumi.runtime.exists_resource, newer SDKs). For
# Node.js and Go the CLI's v3.260.0 (see CODEGEN_VERSION_NODEJS_GO): one generator
# binary per pin, from the same main.go.
#
# Environment: PULUMI (CLI, default .tools/bin/pulumi, else `pulumi` on PATH),
# AWSML_CACHE, GO (default `go` on PATH, else /usr/local/go/bin/go).
set -euo pipefail

CODEGEN_VERSION=v3.276.0
# Node.js and Go: the CLI's line (tools.sh), whose output needs no Pulumi SDK newer
# than the CLI (v3.276.0's calls runtime.existsResource / ctx.ExistsResource, which
# @pulumi/pulumi and sdk/v3 3.260.0 lack). The generated Go SDK requires that sdk/v3.
CODEGEN_VERSION_NODEJS_GO=v3.260.0
GO_PULUMI_SDK=$CODEGEN_VERSION_NODEJS_GO

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${AWSML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/awsml}
SRC="$ROOT/scripts/gen-sdk/main.go"

say() { printf 'gen-sdk: %s\n' "$*" >&2; }
die() { printf 'gen-sdk: error: %s\n' "$*" >&2; exit 1; }

generator_only=0
if [ $# -eq 1 ] && [ "$1" = --generator ]; then
  generator_only=1
else
  [ $# -ge 3 ] || { sed -n '2,9p' "${BASH_SOURCE[0]}" >&2; exit 2; }
  BIN=$1 OUT=$2 VERSION=$3
  shift 3
  LANGS=("$@")
  [ ${#LANGS[@]} -gt 0 ] || LANGS=(python)
  for l in "${LANGS[@]}"; do
    case "$l" in python|nodejs|go) ;; *) die "unknown language '$l' (python, nodejs or go)" ;; esac
  done
  [ -x "$BIN" ] || die "no plugin binary at $BIN (run make)"
  case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac   # the CLI takes a path only if it looks like one

  PULUMI=${PULUMI:-}
  if [ -z "$PULUMI" ]; then
    if [ -x "$ROOT/.tools/bin/pulumi" ]; then PULUMI="$ROOT/.tools/bin/pulumi"
    else PULUMI=$(command -v pulumi) || die "no pulumi CLI: run 'make tools'"
    fi
  fi
fi

# ---- the generators -----------------------------------------------------------
# ensure_generator VERSION: builds (once) the generator against pulumi/pkg/v3 VERSION;
# sets GEN to its path.
ensure_generator() {
  local ver=$1 key tooldir
  key=$( (cat "$SRC"; echo "$ver") | sha256sum | cut -c1-12)
  tooldir="$CACHE/gen-sdk-$ver-$key"
  GEN="$tooldir/gen-sdk"
  [ ! -f "$tooldir/.complete" ] || return 0
  mkdir -p "$CACHE"
  exec 8>"$CACHE/.gen-sdk.lock"
  flock 8
  # (after the lock: a build running elsewhere is waited for, not reported missing)
  if [ ! -f "$tooldir/.complete" ] && [ "${AWSML_NO_INSTALL:-0}" = 1 ]; then
    die "missing: the SDK generator (pulumi/pkg/v3 $ver codegen, cache" \
      "$tooldir); make check builds nothing: run 'make tools' (or 'make test', which does)"
  fi
  if [ ! -f "$tooldir/.complete" ]; then
    GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
    [ -x "$GO" ] || die "Go is needed to build the SDK generator (pulumi/pkg/v3 $ver); none found"
    say "building the SDK generator (pulumi/pkg/v3 $ver codegen) into $tooldir"
    local t0=$SECONDS
    rm -rf "$tooldir"; mkdir -p "$tooldir/src"
    cp "$SRC" "$tooldir/src/main.go"
    ( cd "$tooldir/src"
      export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false" GOTOOLCHAIN=${GOTOOLCHAIN:-local}
      "$GO" mod init awsml.local/gen-sdk >/dev/null 2>&1
      "$GO" get "github.com/pulumi/pulumi/pkg/v3/codegen/python@$ver" \
                "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs@$ver" \
                "github.com/pulumi/pulumi/pkg/v3/codegen/go@$ver" \
                "github.com/pulumi/pulumi/pkg/v3/codegen/schema@$ver" \
                "github.com/pulumi/pulumi/sdk/v3@$ver" \
                github.com/blang/semver > get.log 2>&1 || { cat get.log >&2; exit 1; }
      "$GO" build -ldflags "-s -w" -o "$GEN" . ) || die "building the SDK generator failed"
    rm -rf "$tooldir/src"
    date -u +%FT%TZ > "$tooldir/.complete"
    say "generator ready in $((SECONDS - t0)) s"
  fi
  exec 8>&-
}

codegen_version() { # LANGUAGE
  case "$1" in python) echo "$CODEGEN_VERSION" ;; *) echo "$CODEGEN_VERSION_NODEJS_GO" ;; esac
}

# ---- the Go SDK's modules ---------------------------------------------------------
# ensure_go_deps: the modules (and compiled packages) the generated Go SDK needs, in the
# Go caches its build uses (scripts/gen-sdk-build.sh: .tools/go when make tools made it,
# else Go's defaults), so that `make check` (GOPROXY=off there) builds it from the cache.
# A throwaway module with the SDK's requirement and imports, tidied and built once per
# cache; a stamp in the module cache remembers it.
ensure_go_deps() {
  local gomod gocache
  if [ -d "$ROOT/.tools/go/mod" ] && [ -d "$ROOT/.tools/go/build" ]; then
    gomod=$(cd "$ROOT/.tools/go/mod" && pwd) gocache=$(cd "$ROOT/.tools/go/build" && pwd)
  else
    GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
    [ -x "$GO" ] || return 0  # (no Go: the generator's build said so already)
    gomod=$("$GO" env GOMODCACHE) gocache=$("$GO" env GOCACHE)
  fi
  local stamp="$gomod/.awsml-go-sdk-deps-$GO_PULUMI_SDK"
  [ ! -f "$stamp" ] || return 0
  if [ "${AWSML_NO_INSTALL:-0}" = 1 ]; then
    die "missing: the Go modules the awsml Go SDK builds with (pulumi/sdk/v3 $GO_PULUMI_SDK," \
      "cache $gomod); make check fetches nothing: run 'make tools' (or 'make test', which does)"
  fi
  GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
  [ -x "$GO" ] || die "Go is needed for the Go SDK's modules; none found"
  say "fetching and compiling the Go SDK's modules (pulumi/sdk/v3 $GO_PULUMI_SDK) into $gomod"
  local t0=$SECONDS tmp
  tmp=$(mktemp -d)
  printf 'module awsml.local/go-sdk-deps\n\ngo 1.22\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n' \
    "$GO_PULUMI_SDK" > "$tmp/go.mod"
  cat > "$tmp/main.go" <<'GO'
package main

import (
	_ "github.com/blang/semver"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

func main() {}
GO
  ( cd "$tmp"
    export GOMODCACHE="$gomod" GOCACHE="$gocache" GOFLAGS="-buildvcs=false" \
      GOTOOLCHAIN=${GOTOOLCHAIN:-local}
    "$GO" mod tidy && "$GO" build -o /dev/null . ) >"$tmp/log" 2>&1 \
    || { cat "$tmp/log" >&2; rm -rf "$tmp"; die "fetching the Go SDK's modules failed"; }
  rm -rf "$tmp"
  date -u +%FT%TZ > "$stamp"
  say "Go SDK modules ready in $((SECONDS - t0)) s"
}

if [ "$generator_only" = 1 ]; then
  ensure_generator "$CODEGEN_VERSION"
  ensure_generator "$CODEGEN_VERSION_NODEJS_GO"
  ensure_go_deps
  exit 0
fi


# ---- schema from the binary, then the SDK ---------------------------------------
mkdir -p "$OUT"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
"$PULUMI" package get-schema "$BIN" > "$OUT/schema.json.tmp" \
  || die "pulumi package get-schema $BIN failed"
mv -f "$OUT/schema.json.tmp" "$OUT/schema.json"
for l in "${LANGS[@]}"; do
  ensure_generator "$(codegen_version "$l")"
  "$GEN" "$l" "$OUT/schema.json" "$OUT" "$VERSION"
  case "$l" in
    python)
      # pyproject.toml names README.md beside it; the generator writes it into the package.
      cp "$OUT/python/pulumi_awsml/README.md" "$OUT/python/README.md"
      say "pulumi_awsml $VERSION in $OUT/python" ;;
    nodejs)
      say "@awsml/pulumi $VERSION (TypeScript sources) in $OUT/nodejs" ;;
    go)
      # The module is the folder the codegen wrote (root package awsml at its top). A go.mod
      # with no go.sum: scripts/gen-sdk-build.sh resolves it.
      mod=$(sed -n 's/.*"importBasePath": *"\([^"]*\)".*/\1/p' "$OUT/schema.json" | head -n1)
      [ -n "$mod" ] || die "the schema has no language.go.importBasePath"
      [ -f "$OUT/go/provider.go" ] || die "the Go codegen wrote no $OUT/go/provider.go"
      printf 'module %s\n\ngo 1.22\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n' \
        "$mod" "$GO_PULUMI_SDK" > "$OUT/go/go.mod"
      say "$mod $VERSION (Go sources) in $OUT/go" ;;
  esac
done
