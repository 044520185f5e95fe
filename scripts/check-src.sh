#!/usr/bin/env bash
# Refuses C sources that call functions with unbounded writes or shared static
# state (the banned list of the house style). Prints each offence; exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
banned='(^|[^_a-zA-Z0-9])(sprintf|vsprintf|strcpy|stpcpy|strcat|strtok|gmtime|localtime|asctime|ctime|gets|atoi|atol)[[:space:]]*\('
if grep -nE "$banned" provider/*.c provider/*.h provider/*/*.c provider/*/*.h tests/support/*.c; then
  echo "check-src: banned function(s) above; use snprintf, memcpy with lengths, gmtime_r, strtol" >&2
  exit 1
fi
echo "check-src: no banned functions in provider/ and tests/support/"
