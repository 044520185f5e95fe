#!/usr/bin/env bash
# Test toolchain for awsml: a pinned Python venv and the Pulumi CLI, and everything
# else the build and the tests would otherwise fetch from the network.
#
#   scripts/tools.sh              venv + Pulumi CLI + Python language host into .tools/,
#                                 the SDK generator (scripts/gen-sdk.sh --generator) and
#                                 Debian's cjson and curl sources (scripts/dist.sh sources)
#   scripts/tools.sh --venv-only  just the venv (fast path for tests that need no CLI)
#
# Everything is built once into a cache outside the work tree, keyed by the
# pinned versions, and linked into .tools/, so a fresh clone on the same
# machine (CI) gets its toolchain in seconds:
#
#   ${AWSML_CACHE:-~/.cache/awsml}/venv-<hash>/           pip install -r scripts/requirements-test.txt
#   ${AWSML_CACHE:-~/.cache/awsml}/pulumi-<ver>-<host>/bin/ pulumi, pulumi-language-python(+ -exec)
#   .tools/venv  -> the cached venv (venvs are not relocatable, hence a link, not a copy)
#   .tools/bin/* -> the cached binaries
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

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQS="$ROOT/scripts/requirements-test.txt"
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
  -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
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

ensure_pulumi() {
  local dir="$CACHE/pulumi-$PULUMI_VERSION-pylang-$LANGHOST_SDK_VERSION"
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
