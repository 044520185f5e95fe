#!/usr/bin/env bash
# Compile and pack the Node.js and Go SDKs scripts/gen-sdk.sh generates (mk/sdk.mk:
# make sdk, make dist).
#
#   scripts/gen-sdk-build.sh nodejs SDK_DIR       tsc SDK_DIR/nodejs -> SDK_DIR/nodejs/bin, the
#                                                 npm package's root (with package.json,
#                                                 README.md and LICENSE beside the .js/.d.ts)
#   scripts/gen-sdk-build.sh go SDK_DIR           resolve SDK_DIR/go's go.sum, go build and
#                                                 go vet every package of the module
#   scripts/gen-sdk-build.sh pack-nodejs SDK_DIR VERSION OUT_DIR
#                                                 npm pack of SDK_DIR/nodejs/bin ->
#                                                 OUT_DIR/awsml-pulumi-VERSION.tgz
#   scripts/gen-sdk-build.sh pack-go SDK_DIR VERSION OUT_DIR
#                                                 the module folder -> OUT_DIR/awsml-go-sdk-vVERSION
#                                                 (go.mod, go.sum, the packages, LICENSE)
#
# Node.js: tsc, @pulumi/pulumi and @types/node come from the pinned, cached install
# `make tools` links at .tools/node_modules (scripts/langs/node: @pulumi/pulumi 3.260.0,
# the CLI's line; TypeScript 5.9.3), or from AWSML_NODE_MODULES. Nothing is downloaded.
# Go: with .tools/go (make tools: the GOMODCACHE and GOCACHE of the Go programs, where
# `scripts/gen-sdk.sh --generator` also puts github.com/pulumi/pulumi/sdk/v3 and every
# module the Go SDK's go mod tidy and build need) the build shares them; otherwise Go's
# defaults. Modules missing from the cache come from the Go module proxy, as for any Go
# build; with AWSML_NO_INSTALL=1 (make check) GOPROXY=off: nothing is fetched.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'gen-sdk-build: %s\n' "$*" >&2; }
die() { printf 'gen-sdk-build: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" >&2; exit 2; }

abspath() { (cd "$1" && pwd); }

# ---- Node.js --------------------------------------------------------------------
node_modules_dir() {
  local nm=${AWSML_NODE_MODULES:-$ROOT/.tools/node_modules}
  [ -d "$nm" ] || die "no Node packages at $nm: run 'make tools' (or set AWSML_NODE_MODULES)"
  local m
  for m in typescript/bin/tsc @pulumi/pulumi/package.json @types/node/package.json; do
    [ -e "$nm/$m" ] || die "$nm lacks $m: run 'make tools'"
  done
  abspath "$nm"
}

cmd_nodejs() {
  local sdk=${1:?usage}
  local src="$sdk/nodejs"
  [ -f "$src/package.json" ] || die "no generated Node.js SDK in $src (scripts/gen-sdk.sh ... nodejs)"
  command -v node >/dev/null || die "node is needed to compile the Node.js SDK; none on PATH"
  local nm
  nm=$(node_modules_dir)
  # Module resolution starts at the sources: a link beside them finds the pinned packages.
  rm -rf "$src/bin" "$src/node_modules"
  ln -s "$nm" "$src/node_modules"
  local t0=$SECONDS
  (cd "$src" && node "$nm/typescript/bin/tsc" -p tsconfig.json) || {
    rm -f "$src/node_modules"; die "tsc failed on the generated Node.js SDK in $src"; }
  rm -f "$src/node_modules"
  # The package root is bin/ (as pulumi-aws publishes @pulumi/aws): index.js at its top.
  cp "$src/package.json" "$src/README.md" "$src/bin/"
  cp "$ROOT/LICENSE" "$src/bin/LICENSE"
  [ -f "$src/bin/index.js" ] && [ -f "$src/bin/index.d.ts" ] && [ -f "$src/bin/iam/role.js" ] \
    || die "tsc wrote no index.js, index.d.ts or iam/role.js in $src/bin"
  say "@awsml/pulumi compiled into $src/bin in $((SECONDS - t0)) s"
}

cmd_pack_nodejs() {
  local sdk=${1:?usage} ver=${2:?usage} out=${3:?usage}
  local pkg="$sdk/nodejs/bin"
  [ -f "$pkg/package.json" ] || die "no compiled Node.js SDK in $pkg (scripts/gen-sdk-build.sh nodejs)"
  command -v npm >/dev/null || die "npm is needed to pack the Node.js SDK; none on PATH"
  mkdir -p "$out"
  out=$(abspath "$out")
  rm -f "$out"/awsml-pulumi-*.tgz
  # No scripts run, nothing is fetched: npm pack only reads the folder.
  local name
  name=$(cd "$pkg" && npm pack --ignore-scripts --silent --pack-destination "$out" | tail -n1)
  [ "$name" = "awsml-pulumi-$ver.tgz" ] || die "npm pack wrote '$name', not awsml-pulumi-$ver.tgz"
  say "wrote $out/$name"
}

# ---- Go -------------------------------------------------------------------------
go_env() { # the shared toolchain caches when make tools made them
  export GOFLAGS="-buildvcs=false" GOTOOLCHAIN=${GOTOOLCHAIN:-local}
  if [ -d "$ROOT/.tools/go/mod" ] && [ -d "$ROOT/.tools/go/build" ]; then
    GOMODCACHE=$(abspath "$ROOT/.tools/go/mod")
    GOCACHE=$(abspath "$ROOT/.tools/go/build")
    export GOMODCACHE GOCACHE
  fi
  [ "${AWSML_NO_INSTALL:-0}" != 1 ] || export GOPROXY=off
  GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
  [ -x "$GO" ] || die "Go is needed to build the Go SDK; none found"
}

cmd_go() {
  local sdk=${1:?usage}
  local mod="$sdk/go"
  [ -f "$mod/go.mod" ] || die "no generated Go SDK in $mod (scripts/gen-sdk.sh ... go)"
  go_env
  local t0=$SECONDS
  (cd "$mod" && "$GO" mod tidy) || die "go mod tidy failed in $mod"
  (cd "$mod" && "$GO" build ./...) || die "go build ./... failed on the generated Go SDK in $mod"
  (cd "$mod" && "$GO" vet ./...) || die "go vet ./... failed on the generated Go SDK in $mod"
  say "$(sed -n 's/^module //p' "$mod/go.mod") built in $((SECONDS - t0)) s"
}

cmd_pack_go() {
  local sdk=${1:?usage} ver=${2:?usage} out=${3:?usage}
  local mod="$sdk/go"
  [ -f "$mod/go.sum" ] || die "no built Go SDK in $mod (scripts/gen-sdk-build.sh go)"
  grep -q "\"version\": \"$ver\"" "$mod/pulumi-plugin.json" \
    || die "$mod/pulumi-plugin.json is not version $ver (make sdk VERSION=$ver)"
  mkdir -p "$out"
  local dest="$out/awsml-go-sdk-v$ver"
  rm -rf "$out"/awsml-go-sdk-v* "$dest.tmp"
  mkdir -p "$dest.tmp"
  # The module as generated, without the codegen's .gitattributes.
  (cd "$mod" && tar --exclude=./.gitattributes -cf - .) | tar -xf - -C "$dest.tmp"
  cp "$ROOT/LICENSE" "$dest.tmp/LICENSE"
  mv "$dest.tmp" "$dest"
  say "wrote $dest"
}

case "${1:-}" in
  nodejs) shift; [ $# -eq 1 ] || usage; cmd_nodejs "$@" ;;
  go) shift; [ $# -eq 1 ] || usage; cmd_go "$@" ;;
  pack-nodejs) shift; [ $# -eq 3 ] || usage; cmd_pack_nodejs "$@" ;;
  pack-go) shift; [ $# -eq 3 ] || usage; cmd_pack_go "$@" ;;
  *) usage ;;
esac
