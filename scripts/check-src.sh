#!/usr/bin/env bash
# check-src.sh [C FILES...]: house-style checks over the C sources.
#  1. No call to functions with unbounded writes or shared static state (the
#     banned list of the house style) in provider/ and tests/support/.
#  2. The given C files (the Makefile passes every one) are formatted as
#     .clang-format says; `make fmt` fixes them. CLANG_FORMAT names the tool.
# Prints each offence; exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
rc=0
banned='(^|[^_a-zA-Z0-9])(sprintf|vsprintf|strcpy|stpcpy|strcat|strtok|gmtime|localtime|asctime|ctime|gets|atoi|atol)[[:space:]]*\('
if grep -nE "$banned" provider/*.c provider/*.h provider/*/*.c provider/*/*.h tests/support/*.c; then
  echo "check-src: banned function(s) above; use snprintf, memcpy with lengths, gmtime_r, strtol" >&2
  rc=1
else
  echo "check-src: no banned functions in provider/ and tests/support/"
fi
if [ $# -gt 0 ]; then
  cf=${CLANG_FORMAT:-clang-format-14}
  if ! command -v "$cf" >/dev/null; then
    echo "check-src: $cf not found: run 'make deps'" >&2
    exit 1
  fi
  bad=()
  for f in "$@"; do
    if ! "$cf" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'check-src: not formatted as .clang-format says (run make fmt): %s\n' "${bad[@]}" >&2
    rc=1
  else
    echo "check-src: $# C files formatted as .clang-format says"
  fi
fi
exit $rc
