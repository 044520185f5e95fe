#!/usr/bin/env bash
# ghz (github.com/bojand/ghz), the gRPC load tool `make bench` drives the
# servers with, built once from the Go module proxy into the cache and
# printed on stdout:
#
#   ${AWSML_CACHE:-~/.cache/awsml}/ghz-<version>/bin/ghz
#
# The proxy's version list names only v0.93.0 and it has no @latest for the
# module, but it serves v0.120.0 (the newest release, May 2024) by version,
# and that is the pin. Needs Go >= 1.18 (found at /usr/local/go on these
# machines); about 40 s cold on 2 cores, then instant.
set -euo pipefail

GHZ_VERSION=v0.120.0
GHZ_PKG=github.com/bojand/ghz/cmd/ghz

CACHE=${AWSML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/awsml}
DIR="$CACHE/ghz-$GHZ_VERSION"

say() { printf 'ghz: %s\n' "$*" >&2; }
die() { printf 'ghz: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE"
if [ ! -f "$DIR/.complete" ]; then
  exec 9>"$CACHE/.lock-ghz"
  flock 9
fi
if [ ! -f "$DIR/.complete" ]; then
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || die "Go is needed to build ghz; none on PATH or in /usr/local/go"
  export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
  say "building $GHZ_PKG@$GHZ_VERSION into $DIR"
  t0=$SECONDS
  rm -rf "$DIR"
  mkdir -p "$DIR/bin"
  GOBIN="$DIR/bin" go install -ldflags "-s -w -X main.version=$GHZ_VERSION" "$GHZ_PKG@$GHZ_VERSION" \
    || die "go install $GHZ_PKG@$GHZ_VERSION failed"
  "$DIR/bin/ghz" --version >/dev/null || die "the built ghz does not run"
  date -u +%FT%TZ > "$DIR/.complete"
  say "ready in $((SECONDS - t0)) s"
fi
echo "$DIR/bin/ghz"
