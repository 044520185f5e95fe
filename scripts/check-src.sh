#!/usr/bin/env bash
# check-src.sh [C FILES...]: house-style checks over the C sources.
#  1. No call to functions with unbounded writes, shared static state or weak
#     randomness (the banned list of the house style) in provider/, tests/
#     (every tests/*/*.c and .h) and bench/*.c.
#  2. The given C files (the Makefile passes every one) are formatted as
#     .clang-format says; `make fmt` fixes them. CLANG_FORMAT names the tool.
# Prints each offence; exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
rc=0
banned='(^|[^_a-zA-Z0-9])(sprintf|vsprintf|strcpy|stpcpy|strncpy|strcat|strtok|gmtime|localtime|asctime|ctime|gets|atoi|atol|strerror|rand|srand)[[:space:]]*\('
shopt -s nullglob
scanned=(provider/*.c provider/*.h provider/*/*.c provider/*/*.h tests/*/*.c tests/*/*.h bench/*.c)
shopt -u nullglob
if grep -nE "$banned" "${scanned[@]}"; then
  echo "check-src: banned function(s) above; use snprintf, str_copy or memcpy with lengths," \
    "gmtime_r, strtol, str_errno (util/str.h) for strerror, RAND_bytes or a seeded" \
    "generator of the test's own for rand" >&2
  rc=1
else
  echo "check-src: no banned functions in the ${#scanned[@]} C files of provider/, tests/ and bench/"
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
