#!/usr/bin/env bash
# Test toolchain for awsml: a pinned Python venv and the Pulumi CLI, and everything
# else the build and the tests would otherwise fetch from the network.
#
#   scripts/tools.sh              venv + Pulumi CLI + Python language host into .tools/,
#                                 the Node.js and Go language hosts, the pinned Node
#                                 packages (scripts/langs/node) and the Go SDK modules and
#                                 build cache of examples/seed-go, the SDK generator
#                                 (scripts/gen-sdk.sh --generator) and Debian's cjson
#                                 and curl sources (scripts/dist.sh sources)
#   scripts/tools.sh --venv-only  just the venv (fast path for tests that need no CLI)
#
# Everything is built once into a cache outside the work tree, keyed by the
# pinned versions, and linked into .tools/, so a fresh clone on the same
# machine (CI) gets its toolchain in seconds:
#
#   ${AWSML_CACHE:-~/.cache/awsml}/venv-<hash>/           pip install -r scripts/requirements-test.txt
#   ${AWSML_CACHE:-~/.cache/awsml}/pulumi-<ver>-<host>/bin/ pulumi, pulumi-language-python(+ -exec)
#     ... and beside them pulumi-language-nodejs, pulumi-language-go, pulumi-resource-pulumi-nodejs
#   ${AWSML_CACHE:-~/.cache/awsml}/node-<hash>/node_modules npm ci of scripts/langs/node/package-lock.json
#   ${AWSML_CACHE:-~/.cache/awsml}/go-<hash>/{mod,build}    GOMODCACHE and GOCACHE for Go programs
#   .tools/venv  -> the cached venv (venvs are not relocatable, hence a link, not a copy)
#   .tools/bin/* -> the cached binaries
#   .tools/node_modules -> the cached Node packages (link a TypeScript project's
#                  node_modules to it), .tools/go -> the cached Go folders (run Go
#                  programs with GOMODCACHE=.tools/go/mod GOCACHE=.tools/go/build
#                  GOFLAGS=-mod=mod)
#
# Environment: AWSML_CACHE (cache root), AWSML_PYTHON (interpreter for the venv,
# default Debian's /usr/bin/python3), AWSML_FORCE_BUILD_PULUMI=1 (ignore a
# pulumi already on PATH), AWSML_NO_INSTALL=1 (set by `make check`: build,
# download and install nothing; only check that every piece is in the cache,
# link it into .tools/, and fail naming what is missing and `make tools`).
set -euo pipefail

# ---- pins -------------------------------------------------------------------
# The CLI: pkg/v3 and sdk/v3 at one release, built from the Go module proxy.
PULUMI_VERSION=v3.260.0
# The Python language host. Upstream keeps it in its own, untagged module
# (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3); the Go
# module proxy reachable here does not serve that module at any version, so we
# build the last upstream release whose sdk/v3 module still contains the host
# as a package. The engine talks to it through the stable LanguageRuntime gRPC
# API (the CLI falls back for the RPCs this host predates), and it runs the
# program with the exec script of ${PULUMI_VERSION}'s sdk, which matches the
# `pulumi` ${PULUMI_VERSION} Python package in the venv.
LANGHOST_SDK_VERSION=v3.68.0
LANGHOST_PKG=github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
# The Node.js language host: a package of the same sdk/v3 release as the Python
# host (its own module, like Python's, is not served). It runs programs with the
# @pulumi/pulumi package of the project's node_modules, so it needs only node.
NODEJS_LANGHOST_PKG=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
# The Go language host: the sdk/v3 module held it as go/pulumi-language-go up to
# v3.66.0 (gone from v3.67.0 on); its own module
# (github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3) is not served by the
# proxy reachable here, so v3.66.0 is the newest that can be built. It compiles
# the program with `go build` and needs only go on PATH.
GO_LANGHOST_SDK_VERSION=v3.66.0
GO_LANGHOST_PKG=github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQS="$ROOT/scripts/requirements-test.txt"
NODE_PROJECT="$ROOT/scripts/langs/node"   # package.json + package-lock.json (the Node pins)
GO_PROGRAM="$ROOT/examples/seed-go"       # go.mod + go.sum (the Go SDK pins)
CACHE=${AWSML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/awsml}
TOOLS="$ROOT/.tools"

say() { printf 'tools: %s\n' "$*" >&2; }
die() { printf 'tools: error: %s\n' "$*" >&2; exit 1; }

# With AWSML_NO_INSTALL=1 a missing piece is reported (lack) instead of built; the
# run then fails once, after listing all of them.
no_install=0
[ "${AWSML_NO_INSTALL:-0}" != 1 ] || no_install=1
lacking=0
lack() { printf 'tools: missing: %s\n' "$*" >&2; lacking=$((lacking + 1)); }

venv_only=0
case "${1:-}" in
  "") ;;
  --venv-only) venv_only=1 ;;
  -h|--help) sed -n '2,33p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) die "unknown argument '$1' (usage: scripts/tools.sh [--venv-only])" ;;
esac

mkdir -p "$CACHE" "$TOOLS/bin"
# One tools.sh at a time per cache: two checkouts building the same venv or
# CLI would trample each other.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  say "waiting for another tools.sh run (lock $CACHE/.lock)"
  flock 9
fi

# Point LINK at TARGET (a symlink), replacing whatever is there.
link() {
  local target=$1 linkname=$2
  if [ -L "$linkname" ] && [ "$(readlink "$linkname")" = "$target" ]; then return 0; fi
  rm -rf "$linkname"
  ln -s "$target" "$linkname"
}

# ---- Python venv --------------------------------------------------------------
pick_python() {
  if [ -n "${AWSML_PYTHON:-}" ]; then echo "$AWSML_PYTHON"
  elif [ -x /usr/bin/python3 ]; then echo /usr/bin/python3
  else command -v python3 || die "no python3 found (set AWSML_PYTHON)"
  fi
}

ensure_venv() {
  local py pyid key dir
  py=$(pick_python)
  if [ "$no_install" = 1 ] && ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    lack "$py cannot create venvs (Debian package python3-venv: run 'make deps')"
  elif ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    say "$py lacks venv/ensurepip: installing Debian packages (scripts/deps.sh)"
    bash "$ROOT/scripts/deps.sh"
    "$py" -c 'import venv, ensurepip' 2>/dev/null || die "$py still cannot create venvs (need python3-venv)"
  fi
  pyid=$("$py" -c 'import sys; print(sys.executable, sys.version)')
  key=$( { cat "$REQS"; echo "$pyid"; } | sha256sum | cut -c1-16)
  dir="$CACHE/venv-$key"
  if [ ! -f "$dir/.complete" ] && [ "$no_install" = 1 ]; then
    lack "the Python venv pinned by scripts/requirements-test.txt (cache $dir)"
    return 0
  fi
  if [ ! -f "$dir/.complete" ]; then
    say "building Python venv $dir (pinned by scripts/requirements-test.txt)"
    local t0=$SECONDS
    rm -rf "$dir"
    "$py" -m venv "$dir"
    "$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q \
      --require-virtualenv -r "$REQS"
    "$dir/bin/python" -c 'import pulumi, pulumi_aws, moto, boto3, pytest, grpc, grpc_tools' \
      || die "venv $dir is missing a module after pip install"
    date -u +%FT%TZ > "$dir/.complete"
    say "venv ready in $((SECONDS - t0)) s"
  fi
  link "$dir" "$TOOLS/venv"
  touch "$TOOLS/venv/.stamp"
}

# ---- Pulumi CLI -------------------------------------------------------------------
# A pulumi of the pinned version already on PATH (outside .tools/bin), with a
# Python language host, is used as is.
pulumi_on_path() {
  local p ver dir path_wo
  [ "${AWSML_FORCE_BUILD_PULUMI:-0}" = 1 ] && return 1
  path_wo=$(printf '%s' "$PATH" | tr ':' '\n' | { grep -vxF "$TOOLS/bin" || true; } | paste -sd: -)
  p=$(PATH=$path_wo command -v pulumi 2>/dev/null) || return 1
  ver=$("$p" version 2>/dev/null) || return 1
  [ "$ver" = "$PULUMI_VERSION" ] || { say "ignoring $p: version $ver, want $PULUMI_VERSION"; return 1; }
  dir=$(dirname "$(readlink -f "$p")")
  if [ -x "$dir/pulumi-language-python" ] || PATH=$path_wo command -v pulumi-language-python >/dev/null; then
    say "using $p ($ver) from PATH"
    return 0
  fi
  say "ignoring $p: no pulumi-language-python beside it or on PATH"
  return 1
}

# go on PATH (/usr/local/go/bin, where Go's release tarball goes, is tried too);
# false when there is none.
ensure_go_quiet() {
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1
}

ensure_go() {
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 \
    || die "Go is needed to build the Pulumi CLI (pkg/v3 $PULUMI_VERSION needs Go >= 1.26); none on PATH"
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
  export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
}

# build_module DIR OUT VERSION_STRING PKG MODULE@VERSION...: a throwaway
# wrapper module in DIR that requires the modules and builds PKG into OUT.
build_module() {
  local dir=$1 out=$2 ver=$3 pkg=$4; shift 4
  rm -rf "$dir"; mkdir -p "$dir"
  ( cd "$dir"
    go mod init awsml.local/tools >/dev/null 2>&1
    go get "$@" > get.log 2>&1 || { cat get.log >&2; exit 1; }
    go build -ldflags "-s -w -X $VERSION_VAR=$ver" -o "$out" "$pkg" )
}

PULUMI_DIR=""   # the cached CLI's folder, when it is the CLI we use
ensure_pulumi() {
  local dir="$CACHE/pulumi-$PULUMI_VERSION-pylang-$LANGHOST_SDK_VERSION"
  PULUMI_DIR=$dir
  if [ ! -f "$dir/.complete" ] && [ "$no_install" = 1 ]; then
    lack "the Pulumi CLI $PULUMI_VERSION and Python language host (cache $dir)"
    return 0
  fi
  if [ ! -f "$dir/.complete" ]; then
    ensure_go
    say "building Pulumi CLI $PULUMI_VERSION + Python language host into $dir"
    say "(cold build: about 5 minutes on 2 cores; later runs reuse it)"
    local t0=$SECONDS
    rm -rf "$dir"; mkdir -p "$dir/bin"
    build_module "$dir/src/cli" "$dir/bin/pulumi" "$PULUMI_VERSION" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
      "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" \
      "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
      || die "go build of the Pulumi CLI failed"
    say "pulumi built after $((SECONDS - t0)) s; building the language host"
    build_module "$dir/src/langhost" "$dir/bin/pulumi-language-python" "$LANGHOST_SDK_VERSION" \
      "$LANGHOST_PKG" "$LANGHOST_PKG@$LANGHOST_SDK_VERSION" \
      || die "go build of pulumi-language-python failed"
    # The exec script the host runs the program with: the one shipped in the
    # sdk/v3 module of the CLI's release (read-only in the module cache).
    local sdkdir
    sdkdir=$(cd "$dir/src/cli" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
    [ -f "$sdkdir/python/cmd/pulumi-language-python-exec" ] \
      || die "no python/cmd/pulumi-language-python-exec in $sdkdir"
    install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$dir/bin/pulumi-language-python-exec"
    local got; got=$("$dir/bin/pulumi" version)
    [ "$got" = "$PULUMI_VERSION" ] || die "built pulumi reports version '$got', want $PULUMI_VERSION"
    rm -rf "$dir/src"   # the Go module and build caches keep what a rebuild needs
    date -u +%FT%TZ > "$dir/.complete"
    say "Pulumi CLI ready in $((SECONDS - t0)) s"
  fi
  local f
  for f in pulumi pulumi-language-python pulumi-language-python-exec; do
    link "$dir/bin/$f" "$TOOLS/bin/$f"
  done
}

# ---- Node.js and Go language hosts ------------------------------------------------
# They go beside the cached `pulumi` (the CLI warns "using ... from $PATH" about a
# bundled plugin found anywhere else); with a pulumi from PATH, into a folder of their own.
ensure_langhosts() {
  local dir="$CACHE/langhosts" stamp
  [ -z "$PULUMI_DIR" ] || dir=$PULUMI_DIR
  stamp="$dir/.langhosts-nodejs-$LANGHOST_SDK_VERSION-go-$GO_LANGHOST_SDK_VERSION"
  if [ ! -f "$stamp" ] && [ "$no_install" = 1 ]; then
    lack "the Node.js and Go language hosts (cache $dir/bin)"
    return 0
  fi
  if [ ! -f "$stamp" ]; then
    ensure_go
    say "building pulumi-language-nodejs ($LANGHOST_SDK_VERSION) and pulumi-language-go ($GO_LANGHOST_SDK_VERSION) into $dir/bin"
    local t0=$SECONDS
    rm -f "$dir"/.langhosts-*; mkdir -p "$dir/bin"
    build_module "$dir/src-langhosts/nodejs" "$dir/bin/pulumi-language-nodejs" "$LANGHOST_SDK_VERSION" \
      "$NODEJS_LANGHOST_PKG" "$NODEJS_LANGHOST_PKG@$LANGHOST_SDK_VERSION" \
      || die "go build of pulumi-language-nodejs failed"
    build_module "$dir/src-langhosts/go" "$dir/bin/pulumi-language-go" "$GO_LANGHOST_SDK_VERSION" \
      "$GO_LANGHOST_PKG" "$GO_LANGHOST_PKG@$GO_LANGHOST_SDK_VERSION" \
      || die "go build of pulumi-language-go failed"
    rm -rf "$dir/src-langhosts"
    date -u +%FT%TZ > "$stamp"
    say "language hosts ready in $((SECONDS - t0)) s"
  fi
  # The engine runs TypeScript dynamic providers as the bundled resource plugin
  # pulumi-resource-pulumi-nodejs: a shell script of the CLI's release (sdk/v3's
  # nodejs/dist) that starts @pulumi/pulumi's cmd/dynamic-provider with node.
  local script="$dir/bin/pulumi-resource-pulumi-nodejs"
  if [ ! -x "$script" ] && [ "$no_install" = 1 ]; then
    lack "pulumi-resource-pulumi-nodejs (cache $dir/bin)"
    return 0
  fi
  if [ ! -x "$script" ]; then
    ensure_go
    local sdkdir
    sdkdir=$(cd "$dir" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
             | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -f "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" ] \
      || die "no nodejs/dist/pulumi-resource-pulumi-nodejs in sdk/v3 $PULUMI_VERSION ('$sdkdir')"
    install -m 0755 "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$script.tmp"
    mv -f "$script.tmp" "$script"
  fi
  local f
  for f in pulumi-language-nodejs pulumi-language-go pulumi-resource-pulumi-nodejs; do
    link "$dir/bin/$f" "$TOOLS/bin/$f"
  done
}

# ---- Node packages: @pulumi/pulumi, @pulumi/aws, TypeScript -------------------------
# npm ci of the committed lock file into a folder keyed by it and by node's version.
ensure_node_modules() {
  local nodever key dir
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$no_install" = 1 ]; then lack "node and npm on PATH (Node.js 20 or later)"; return 0; fi
    die "node and npm are needed for the TypeScript programs (Node.js 20 or later); none on PATH"
  fi
  nodever=$(node --version)
  key=$( { cat "$NODE_PROJECT/package.json" "$NODE_PROJECT/package-lock.json"; echo "$nodever"; } \
         | sha256sum | cut -c1-16)
  dir="$CACHE/node-$key"
  if [ ! -f "$dir/.complete" ] && [ "$no_install" = 1 ]; then
    lack "the Node packages pinned by scripts/langs/node/package-lock.json (cache $dir)"
    return 0
  fi
  if [ ! -f "$dir/.complete" ]; then
    say "installing the Node packages pinned by scripts/langs/node/package-lock.json into $dir"
    local t0=$SECONDS
    rm -rf "$dir"; mkdir -p "$dir"
    cp "$NODE_PROJECT/package.json" "$NODE_PROJECT/package-lock.json" "$dir/"
    ( cd "$dir" && npm ci --no-audit --no-fund --loglevel=error ) \
      || die "npm ci in $dir failed"
    ( cd "$dir" && node -e 'for (const m of ["@pulumi/pulumi", "@pulumi/aws", "typescript", "ts-node"]) require.resolve(m)' ) \
      || die "the Node packages in $dir are incomplete after npm ci"
    date -u +%FT%TZ > "$dir/.complete"
    say "Node packages ready in $((SECONDS - t0)) s"
  fi
  link "$dir/node_modules" "$TOOLS/node_modules"
}

# ---- Go SDK modules and their compiled packages -------------------------------------
# A GOMODCACHE and a GOCACHE of our own, keyed by examples/seed-go's go.mod/go.sum
# and go's version, filled by building that program once (compiling pulumi-aws's
# iam and sagemaker packages takes minutes; later builds take seconds).
ensure_go_sdk() {
  local gover key dir
  ensure_go_quiet || {
    if [ "$no_install" = 1 ]; then lack "go on PATH (for Go programs)"; return 0; fi
    die "go is needed for the Go programs; none on PATH"
  }
  gover=$(go env GOVERSION)
  key=$( { cat "$GO_PROGRAM/go.mod" "$GO_PROGRAM/go.sum"; echo "$gover"; } | sha256sum | cut -c1-16)
  dir="$CACHE/go-$key"
  if [ ! -f "$dir/.complete" ] && [ "$no_install" = 1 ]; then
    lack "the Go SDK modules pinned by examples/seed-go/go.mod (cache $dir)"
    return 0
  fi
  if [ ! -f "$dir/.complete" ]; then
    say "fetching and compiling the Go SDK modules of examples/seed-go into $dir"
    say "(cold: a few minutes on 2 cores; later runs reuse it)"
    local t0=$SECONDS
    # (Go keeps module files read-only: a half-filled cache of a failed run needs u+w to go.)
    if [ -e "$dir" ]; then chmod -R u+w "$dir"; rm -rf "$dir"; fi
    mkdir -p "$dir/mod" "$dir/build" "$dir/src"
    cp "$GO_PROGRAM"/go.mod "$GO_PROGRAM"/go.sum "$GO_PROGRAM"/*.go "$dir/src/"
    # The build fills both caches; `go list -m all` (what the Go language host runs
    # to find the program's plugins) also needs the go.mod of every module in the
    # graph, which a build does not fetch.
    ( cd "$dir/src" && export GOMODCACHE="$dir/mod" GOCACHE="$dir/build" \
        GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local
      go build -o /dev/null . && go list -m -json all > /dev/null ) > "$dir/fetch.log" 2>&1 \
      || { cat "$dir/fetch.log" >&2; die "building examples/seed-go against the pinned Go SDK modules failed"; }
    rm -rf "$dir/src" "$dir/fetch.log"
    date -u +%FT%TZ > "$dir/.complete"
    say "Go SDK modules ready in $((SECONDS - t0)) s"
  fi
  link "$dir" "$TOOLS/go"
}

# ---- the other downloads: SDK generator, Debian sources ---------------------------
# Each script owns its cache entry and, under AWSML_NO_INSTALL, reports it missing itself.
ensure_generator() {
  bash "$ROOT/scripts/gen-sdk.sh" --generator || {
    [ "$no_install" = 1 ] || die "building the SDK generator failed"
    lacking=$((lacking + 1))
  }
}

# dist.sh fetches the source of the installed cjson and curl -dev packages' versions.
ensure_sources() {
  local p
  for p in libcjson-dev libcurl4-openssl-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
    if [ "$no_install" = 1 ]; then
      lack "Debian package $p, whose source the release build uses (run 'make deps')"
      return 0
    fi
    say "$p is not installed: installing Debian packages (scripts/deps.sh)"
    bash "$ROOT/scripts/deps.sh"
    break
  done
  bash "$ROOT/scripts/dist.sh" sources || {
    [ "$no_install" = 1 ] || die "fetching Debian's cjson and curl sources failed"
    lacking=$((lacking + 1))
  }
}

t_start=$SECONDS
ensure_venv
if [ "$venv_only" = 0 ]; then
  if ! pulumi_on_path; then ensure_pulumi; fi
  ensure_langhosts
  ensure_node_modules
  ensure_go_sdk
  ensure_generator
  ensure_sources
fi
if [ "$lacking" -gt 0 ]; then
  die "the toolchain is incomplete (missing pieces above); make check installs nothing:" \
    "run 'make tools' (or 'make test', which does)"
fi
if [ "$venv_only" = 0 ]; then
  say "ready in $((SECONDS - t_start)) s: $TOOLS/venv ($("$TOOLS/venv/bin/python" -c 'import pulumi, pulumi_aws, moto; from importlib.metadata import version as v; print("pulumi", v("pulumi"), "pulumi-aws", v("pulumi-aws"), "moto", v("moto"))'))," \
    "$(PATH="$TOOLS/bin:$PATH" pulumi version)"
fi
