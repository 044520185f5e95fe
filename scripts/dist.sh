#!/usr/bin/env bash
# Release helpers for mk/dist.mk (make dist / make install).
#
#   scripts/dist.sh cjson OUT_DIR          build OUT_DIR/libcjson.a from Debian's cjson source
#   scripts/dist.sh curl OUT_DIR           build OUT_DIR/libcurl.a, a minimal static libcurl,
#                                          from Debian's curl source
#   scripts/dist.sh sources                only fetch both sources into the cache (make tools)
#   scripts/dist.sh tarball BIN VERSION OUT.tar.gz [LIB_DIR...]
#                                          the release tarball: BIN as pulumi-resource-awsml at
#                                          the archive root, pulumi-analyzer-awsml (the policy
#                                          pack: a symlink to it) with its PulumiPolicy.yaml,
#                                          README.md, LICENSE and
#                                          THIRD-PARTY-NOTICES (the statically linked libraries,
#                                          plus the LICENSE of each LIB_DIR built here)
#   scripts/dist.sh policy-yaml VERSION     print the policy pack's PulumiPolicy.yaml
#   scripts/dist.sh install VERSION TARBALL
#                                          pulumi plugin install resource awsml VERSION --file TARBALL
#
# Why `cjson` and `curl`: the release binary links everything but glibc statically.
# Debian's libcjson-dev ships only libcjson.so, and Debian's libcurl.a needs static copies
# of a dozen libraries (nghttp2, idn2, rtmp, ssh2, psl, gssapi/krb5, ldap, brotli, zstd...),
# several of which Debian does not ship. So we fetch the source of exactly the installed
# -dev package version with `apt-get source` (through private apt lists, so the system's
# apt configuration is untouched), apply Debian's patches (security fixes) and compile it:
# cJSON.c as is, curl configured with only what awsml uses (see cmd_curl). The source is
# cached in ${AWSML_CACHE:-~/.cache/awsml}/<package>-src-<version>/, so only the first build
# on a machine needs the network. `make tools` fetches them; with AWSML_NO_INSTALL=1 (make
# check) a source missing from the cache is an error naming `make tools`, not a download.
set -euo pipefail
# A failure inside $(...) fails the caller too (fetch_src runs in one).
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${AWSML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/awsml}
CC=${CC:-cc}

say() { printf 'dist: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# ---- Debian sources ---------------------------------------------------------------
missing_src() { # PACKAGE VERSION: the message of make check (AWSML_NO_INSTALL=1)
  say "missing: the Debian source of $1 $2 (cache $CACHE/$1-src-$2); make check fetches" \
    "nothing: run 'make tools' (or 'make test', which does)"
}

# fetch_src PACKAGE VERSION [STOP_PATCH] -> prints the unpacked, patched source dir.
# Debian's patches are applied in series order; with STOP_PATCH, that one and the ones
# after it are left out (curl's series ends with the patches that make its GnuTLS and NSS
# flavours).
fetch_src() {
  local pkg=$1 ver=$2 stop=${3:-} dir="$CACHE/$1-src-$2"
  if [ -f "$dir/.done" ]; then echo "$dir"; return; fi
  if [ "${AWSML_NO_INSTALL:-0}" = 1 ]; then missing_src "$pkg" "$ver"; exit 1; fi
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
  say "fetching the Debian source of $pkg $ver (once; cached in $dir)"
  apt-get -qq "${opts[@]}" update >&2
  (cd "$apt/dl" && rm -f ./"${pkg}"_* &&
     apt-get -qq "${opts[@]}" source --download-only "$pkg=$ver" >&2)
  local tmp
  tmp=$(mktemp -d "$CACHE/$pkg-src.XXXXXX")
  # The tarballs, not their detached signatures (*.asc).
  local orig deb
  orig=$(find "$apt/dl" -maxdepth 1 -name "${pkg}_*.orig.tar.*" ! -name '*.asc' | head -n1)
  deb=$(find "$apt/dl" -maxdepth 1 -name "${pkg}_*.debian.tar.*" ! -name '*.asc' | head -n1)
  [ -n "$orig" ] || die "apt-get source $pkg=$ver brought no .orig tarball"
  tar -xf "$orig" -C "$tmp"
  local src
  src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
  if [ -n "$deb" ]; then
    tar -xf "$deb" -C "$src"
    if [ -f "$src/debian/patches/series" ]; then
      local p seen=""
      while read -r p _; do
        case "$p" in ''|'#'*) continue ;; esac
        if [ "$p" = "$stop" ]; then seen=1; break; fi
        patch -s -p1 -d "$src" <"$src/debian/patches/$p"
      done <"$src/debian/patches/series"
      [ -z "$stop" ] || [ -n "$seen" ] || die "$pkg $ver: no patch $stop in debian/patches/series"
    fi
  fi
  rm -rf "$dir"
  mv "$src" "$dir"
  rm -rf "$tmp"
  touch "$dir/.done"
  echo "$dir"
}

# ---- cjson ------------------------------------------------------------------------
cjson_version() {
  dpkg-query -W -f='${Version}' libcjson-dev 2>/dev/null ||
    die "libcjson-dev is not installed (make deps)"
}

cmd_cjson() {
  local out=${1:?usage: dist.sh cjson OUT_DIR}
  local ver
  ver=$(cjson_version)
  local src
  src=$(fetch_src cjson "$ver")
  mkdir -p "$out"
  $CC -std=c89 -O2 -fPIC -c "$src/cJSON.c" -o "$out/cJSON.o"
  rm -f "$out/libcjson.a"
  ar rcs "$out/libcjson.a" "$out/cJSON.o"
  cp "$src/LICENSE" "$out/LICENSE"
  echo "$ver" >"$out/VERSION"
  echo "cJSON" >"$out/NAME"
}

# ---- curl -------------------------------------------------------------------------
# libcurl with only what awsml's provider/aws/http.c uses: HTTP/1.1 and HTTPS through
# OpenSSL (the shared connection, DNS and TLS session caches), proxies (HTTP, HTTPS and
# SOCKS, from the options or the environment, with basic auth), the threaded resolver,
# and Debian's CA defaults. No other protocol, no HTTP/2, IDN, PSL, GSS-API, cookies,
# content decoding, alt-svc, HSTS or verbose output, so it needs no library but OpenSSL
# and glibc. OpenSSL still reads the system's openssl.cnf, as Debian's libcurl does.
CURL_CONFIGURE=(
  --disable-shared --enable-static --with-pic --disable-dependency-tracking
  --enable-silent-rules
  --with-openssl --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt
  --with-ca-path=/etc/ssl/certs --without-ca-fallback
  --enable-threaded-resolver --disable-ares --enable-ipv6
  --enable-http --enable-proxy --enable-http-auth
  --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict
  --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp
  --disable-gopher --disable-mqtt --disable-websockets --disable-unix-sockets
  --disable-crypto-auth --disable-ntlm --disable-ntlm-wb --disable-tls-srp
  --disable-cookies --disable-doh --disable-mime --disable-netrc --disable-hsts
  --disable-alt-svc --disable-headers-api --disable-get-easy-options --disable-dnsshuffle
  --disable-progress-meter --disable-verbose --disable-manual --disable-libcurl-option
  --without-zlib --without-brotli --without-zstd --without-libidn2 --without-libpsl
  --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-quiche --without-msh3
  --without-hyper --without-libssh2 --without-libssh --without-wolfssh --without-librtmp
  --without-gssapi --without-libgsasl --without-zsh-functions-dir
  --without-fish-functions-dir
)

curl_version() {
  dpkg-query -W -f='${source:Version}' libcurl4-openssl-dev 2>/dev/null ||
    die "libcurl4-openssl-dev is not installed (make deps)"
}

# Debian's series ends with 90_gnutls.patch and 99_nss.patch, which turn the tree into
# the GnuTLS and NSS flavours; its OpenSSL build (libcurl4) is the tree before them.
CURL_STOP_PATCH=90_gnutls.patch

cmd_curl() {
  local out=${1:?usage: dist.sh curl OUT_DIR}
  local ver
  ver=$(curl_version)
  local src
  src=$(fetch_src curl "$ver" "$CURL_STOP_PATCH")
  out=$(mkdir -p "$out" && cd "$out" && pwd)
  local b="$out/build"
  rm -rf "$b"
  mkdir -p "$b"
  say "configuring and building a static libcurl $ver in $b"
  # Debian's hardening flags; sections per function for the link's --gc-sections; no
  # debug info (the release tarball strips it anyway).
  local cflags="-O2 -ffunction-sections -fdata-sections -fstack-protector-strong -Wformat"
  cflags+=" -Werror=format-security"
  (cd "$b" && CC="$CC" CFLAGS="$cflags" CPPFLAGS="-D_FORTIFY_SOURCE=2" \
     "$src/configure" -q "${CURL_CONFIGURE[@]}" >"$b/configure.out" 2>&1) ||
    { tail -n 30 "$b/configure.out" "$b/config.log" >&2; die "curl: configure failed"; }
  # Its own make, serial unless DIST_JOBS says otherwise, whatever make runs this script.
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j"${DIST_JOBS:-1}" -C "$b/lib" libcurl.la \
    >"$b/make.out" 2>&1 || { tail -n 40 "$b/make.out" >&2; die "curl: build failed"; }
  cp "$b/lib/.libs/libcurl.a" "$out/libcurl.a.tmp"
  mv "$out/libcurl.a.tmp" "$out/libcurl.a"
  cp "$src/COPYING" "$out/LICENSE"
  echo "$ver" >"$out/VERSION"
  echo "curl" >"$out/NAME"
  rm -rf "$b"
}

# ---- sources ----------------------------------------------------------------------
# Both sources into the cache, nothing built (make tools: every download in one place).
cmd_sources() {
  local v src
  if [ "${AWSML_NO_INSTALL:-0}" = 1 ]; then # report both, fetch neither
    local rc=0 cv uv
    cv=$(cjson_version)
    uv=$(curl_version)
    [ -f "$CACHE/cjson-src-$cv/.done" ] || { missing_src cjson "$cv"; rc=1; }
    [ -f "$CACHE/curl-src-$uv/.done" ] || { missing_src curl "$uv"; rc=1; }
    return "$rc"
  fi
  v=$(cjson_version)
  src=$(fetch_src cjson "$v")
  say "cjson $v: $src"
  v=$(curl_version)
  src=$(fetch_src curl "$v" "$CURL_STOP_PATCH")
  say "curl $v: $src"
}

# ---- tarball ----------------------------------------------------------------------
# The Debian packages whose code is linked into the release binary, for the notices.
STATIC_PKGS=(libgrpc-dev libabsl-dev libre2-dev libc-ares-dev libprotobuf-c-dev
             libexpat1-dev zlib1g-dev libssl-dev libstdc++-12-dev libgcc-12-dev)

notices() { # LIB_DIR... (each with LICENSE, VERSION and NAME, from cmd_cjson / cmd_curl)
  echo "pulumi-resource-awsml links the following libraries statically. Their licenses follow."
  echo "(Only glibc is used as a shared library of the host system.)"
  local p f d
  for p in "${STATIC_PKGS[@]}"; do
    f=/usr/share/doc/$p/copyright
    [ -f "$f" ] || f=/usr/share/doc/$(dpkg-query -W -f='${source:Package}' "$p" 2>/dev/null)/copyright
    [ -f "$f" ] || continue
    printf '\n==============================================================================\n'
    printf '%s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"
    printf '==============================================================================\n'
    cat "$f"
  done
  for d in "$@"; do
    [ -f "$d/LICENSE" ] || continue
    local name
    name=$(cat "$d/NAME" 2>/dev/null || echo cJSON)
    printf '\n==============================================================================\n'
    printf '%s %s (built from the Debian source package of that version)\n' "$name" \
      "$(cat "$d/VERSION" 2>/dev/null)"
    printf '==============================================================================\n'
    cat "$d/LICENSE"
  done
}

cmd_tarball() {
  local bin=${1:?usage: dist.sh tarball BIN VERSION OUT.tar.gz [LIB_DIR...]} ver=${2:?} out=${3:?}
  shift 3
  local stage
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  install -m 0755 "$bin" "$stage/pulumi-resource-awsml"
  strip --strip-debug "$stage/pulumi-resource-awsml"
  # The policy pack: the same binary under the name that selects the Analyzer service, as
  # a relative symlink (a copy doubled the tarball; tar, Python's tarfile and the Pulumi
  # CLI's own unpacker behind `pulumi plugin install --file` keep symlinks, and the CLI
  # runs the pack by the link's path, so argv[0] keeps the name), and its metadata.
  ln -s pulumi-resource-awsml "$stage/pulumi-analyzer-awsml"
  cmd_policy_yaml "$ver" >"$stage/PulumiPolicy.yaml"
  install -m 0644 "$ROOT/README.md" "$ROOT/LICENSE" "$stage/"
  notices "$@" >"$stage/THIRD-PARTY-NOTICES"
  mkdir -p "$(dirname "$out")"
  # Reproducible: fixed owner, order and mtime (the commit time when there is one).
  local mtime
  mtime=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
      -C "$stage" -cf - pulumi-resource-awsml pulumi-analyzer-awsml PulumiPolicy.yaml README.md \
      LICENSE THIRD-PARTY-NOTICES |
    gzip -n -9 >"$out.tmp"
  mv "$out.tmp" "$out"
  say "wrote $out"
}

# ---- the policy pack's metadata ------------------------------------------------------
# Beside pulumi-analyzer-awsml, `pulumi preview --policy-pack <that file>` takes the pack's
# version and description from it. The CLI (3.260) refuses the file without a runtime, though
# it starts the executable itself and never uses one: any name will do.
cmd_policy_yaml() {
  local ver=${1:?usage: dist.sh policy-yaml VERSION}
  printf '%s\n' \
    "# The awsml policy pack: pass the executable beside this file to --policy-pack" \
    "# (pulumi preview --policy-pack <dir>/pulumi-analyzer-awsml), not the directory." \
    "runtime: native" \
    "description: awsml's security advisor as a policy pack (SageMaker pipelines, IAM, S3, KMS)" \
    "version: $ver"
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
  say "policy pack: pulumi preview --policy-pack" \
    "${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-awsml-v$ver/pulumi-analyzer-awsml"
}

case "${1:-}" in
  cjson) shift; cmd_cjson "$@" ;;
  curl) shift; cmd_curl "$@" ;;
  sources) shift; cmd_sources "$@" ;;
  tarball) shift; cmd_tarball "$@" ;;
  policy-yaml) shift; cmd_policy_yaml "$@" ;;
  install) shift; cmd_install "$@" ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
