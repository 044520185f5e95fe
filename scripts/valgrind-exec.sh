#!/bin/sh
# Runs one program under valgrind memcheck (make test-valgrind, mk/valgrind.mk).
#
#   AWSML_VG_LOGS=DIR scripts/valgrind-exec.sh PROGRAM [ARGS...]
#
# Each process writes its own log, DIR/<program>.<pid>.log; scripts/valgrind-check.sh
# reads them all afterwards. Any memory error, and any definitely, indirectly or
# possibly lost block, counts as an error: the process exits 97 instead of its own
# status and the log says where. Still-reachable blocks (global state a library
# keeps until exit) are listed in the log but are not errors. Children started by
# the program (credential_process) are not traced.
set -eu
: "${AWSML_VG_LOGS:?set AWSML_VG_LOGS to the directory for the valgrind logs}"
prog=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$AWSML_VG_LOGS"
exec valgrind --tool=memcheck --error-exitcode=97 --leak-check=full \
    --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect,possible \
    --num-callers=40 --child-silent-after-fork=yes \
    --suppressions="$root/tests/valgrind.supp" \
    --log-file="$AWSML_VG_LOGS/$(basename "$prog").%p.log" "$prog" "$@"
