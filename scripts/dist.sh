#!/usr/bin/env bash
# Release helpers for mk/dist.mk (make dist / make install).
#
#   scripts/dist.sh cjson OUT_DIR          build OUT_DIR/libcjson.a from Debian's cjson source
#   scripts/dist.sh tarball BIN VERSION OUT.tar.gz
#                                          the release tarball: BIN as pulumi-resource-awsml at
#                                          the archive root, README.md, LICENSE and
#                                          THIRD-PARTY-NOTICES (the statically linked libraries)
#   scripts/dist.sh install VERSION TARBALL
#                                          pulumi plugin install resource awsml VERSION --file TARBALL
#
# Why `cjson`: the release binary links cJSON statically, but Debian's libcjson-dev ships
# only libcjson.so. We fetch the source of exactly the installed libcjson-dev version
# with `apt-get source` (through private apt lists, so the system's apt configuration is
# untouched), apply Debian's patches (security fixes) and compile cJSON.c. The source is
# cached in ${AWSML_CACHE:-~/.cache/awsml}/cjson-src-<version>/, so only the first build on
# a machine needs the network.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${AWSML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/awsml}
CC=${CC:-cc}

say() { printf 'dist: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# ---- cjson ------------------------------------------------------------------------
fetch_cjson_src() { # VERSION -> prints the unpacked source dir
  local ver=$1 dir="$CACHE/cjson-src-$1"
  if [ -f "$dir/.done" ]; then echo "$dir"; return; fi
  local apt="$CACHE/apt-src"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/dl"
  # Debian's own archive, this release's suites (the system's sources.list has no deb-src).
  local codename
  # shellcheck disable=SC1091
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  cat >"$apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian $codename main
deb-src http://deb.debian.org/debian $codename-updates main
deb-src http://deb.debian.org/debian-security $codename-security main
EOF
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
              -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Debug::NoLocking=1")
  # As root apt would drop to _apt, which cannot write into the cache under $HOME.
  [ "$(id -u)" -ne 0 ] || opts+=(-o "APT::Sandbox::User=root")
  say "fetching the Debian source of cjson $ver (once; cached in $dir)"
  apt-get -qq "${opts[@]}" update >&2
  (cd "$apt/dl" && rm -f ./cjson_* && apt-get -qq "${opts[@]}" source --download-only "cjson=$ver" >&2)
  local tmp
  tmp=$(mktemp -d "$CACHE/cjson-src.XXXXXX")
  tar -xf "$apt/dl"/cjson_*.orig.tar.* -C "$tmp"
  local src
  src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
  if ls "$apt/dl"/cjson_*.debian.tar.* >/dev/null 2>&1; then
    tar -xf "$apt/dl"/cjson_*.debian.tar.* -C "$src"
    if [ -f "$src/debian/patches/series" ]; then
      while read -r p _; do
        case "$p" in ''|'#'*) continue ;; esac
        patch -s -p1 -d "$src" <"$src/debian/patches/$p"
      done <"$src/debian/patches/series"
    fi
  fi
  rm -rf "$dir"
  mv "$src" "$dir"
  rm -rf "$tmp"
  touch "$dir/.done"
  echo "$dir"
}

cmd_cjson() {
  local out=${1:?usage: dist.sh cjson OUT_DIR}
  local ver
  ver=$(dpkg-query -W -f='${Version}' libcjson-dev 2>/dev/null) ||
    die "libcjson-dev is not installed (make deps)"
  local src
  src=$(fetch_cjson_src "$ver")
  mkdir -p "$out"
  $CC -std=c89 -O2 -fPIC -c "$src/cJSON.c" -o "$out/cJSON.o"
  rm -f "$out/libcjson.a"
  ar rcs "$out/libcjson.a" "$out/cJSON.o"
  cp "$src/LICENSE" "$out/LICENSE"
  echo "$ver" >"$out/VERSION"
}

# ---- tarball ----------------------------------------------------------------------
# The Debian packages whose code is linked into the release binary, for the notices.
STATIC_PKGS=(libgrpc-dev libabsl-dev libre2-dev libc-ares-dev libprotobuf-c-dev
             libexpat1-dev zlib1g-dev libstdc++-12-dev libgcc-12-dev)

notices() { # CJSON_DIR
  echo "pulumi-resource-awsml links the following libraries statically. Their licenses follow."
  echo "(glibc, libcurl and OpenSSL are used as shared libraries of the host system.)"
  local p f
  for p in "${STATIC_PKGS[@]}"; do
    f=/usr/share/doc/$p/copyright
    [ -f "$f" ] || f=/usr/share/doc/$(dpkg-query -W -f='${source:Package}' "$p" 2>/dev/null)/copyright
    [ -f "$f" ] || continue
    printf '\n==============================================================================\n'
    printf '%s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"
    printf '==============================================================================\n'
    cat "$f"
  done
  if [ -f "$1/LICENSE" ]; then
    printf '\n==============================================================================\n'
    printf 'cJSON %s (Debian source package cjson)\n' "$(cat "$1/VERSION" 2>/dev/null)"
    printf '==============================================================================\n'
    cat "$1/LICENSE"
  fi
}

cmd_tarball() {
  local bin=${1:?usage: dist.sh tarball BIN VERSION OUT.tar.gz [CJSON_DIR]} ver=${2:?} out=${3:?}
  local cjson=${4:-}
  local stage
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  install -m 0755 "$bin" "$stage/pulumi-resource-awsml"
  strip --strip-debug "$stage/pulumi-resource-awsml"
  install -m 0644 "$ROOT/README.md" "$ROOT/LICENSE" "$stage/"
  notices "$cjson" >"$stage/THIRD-PARTY-NOTICES"
  mkdir -p "$(dirname "$out")"
  # Reproducible: fixed owner, order and mtime (the commit time when there is one).
  local mtime
  mtime=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
      -C "$stage" -cf - pulumi-resource-awsml README.md LICENSE THIRD-PARTY-NOTICES |
    gzip -n -9 >"$out.tmp"
  mv "$out.tmp" "$out"
  say "wrote $out"
}

# ---- install ----------------------------------------------------------------------
cmd_install() {
  local ver=${1:?usage: dist.sh install VERSION TARBALL} tarball=${2:?}
  local pulumi
  pulumi=$(command -v pulumi || true)
  [ -n "$pulumi" ] || [ ! -x "$ROOT/.tools/bin/pulumi" ] || pulumi=$ROOT/.tools/bin/pulumi
  [ -n "$pulumi" ] || die "no pulumi on PATH (install the Pulumi CLI, or run 'make tools')"
  "$pulumi" plugin install resource awsml "$ver" --file "$tarball" --reinstall
  say "installed awsml $ver into ${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-awsml-v$ver"
}

case "${1:-}" in
  cjson) shift; cmd_cjson "$@" ;;
  tarball) shift; cmd_tarball "$@" ;;
  install) shift; cmd_install "$@" ;;
  *) sed -n '2,12p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
