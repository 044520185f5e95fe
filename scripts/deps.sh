#!/usr/bin/env bash
# Install the Debian packages awsml builds and tests with, only those that are missing.
# Idempotent: a second run checks with dpkg-query and does nothing. With AWSML_NO_INSTALL=1
# (make check) it only checks: missing packages are listed with the command that installs them.
set -euo pipefail

pkgs=(
  build-essential pkg-config
  libgrpc-dev                      # gRPC C core (grpc.pc)
  libprotobuf-c-dev protobuf-c-compiler
  libprotobuf-dev                  # google/protobuf/*.proto
  protobuf-compiler                # protoc, used by protoc-c
  libcurl4-openssl-dev libssl-dev libcjson-dev
  libexpat1-dev                    # XML responses of IAM/STS (see README: why expat)
  libcmocka-dev                    # C unit test harness
  valgrind
  clang libclang-rt-14-dev         # libFuzzer harnesses (make fuzz, fuzz-smoke)
  clang-format-14                  # make fmt; check-src refuses unformatted C
  python3-venv
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "${AWSML_NO_INSTALL:-0}" = 1 ]; then
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: make check installs nothing: run 'make deps' (or 'make test', which does)" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
