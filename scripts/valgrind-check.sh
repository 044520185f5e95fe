#!/usr/bin/env bash
# Reads the logs scripts/valgrind-exec.sh wrote (make test-valgrind, mk/valgrind.mk).
#
#   scripts/valgrind-check.sh LOGDIR [PROGRAM...]
#
# Fails when any log reports a memory error or a definitely, indirectly or possibly
# lost block (suppressions: tests/valgrind.supp), when a log has no final summary
# (the process was killed before valgrind could check it), and when a PROGRAM
# named here left no log at all (the suite did not run it under valgrind).
set -uo pipefail
dir=${1:?usage: $0 LOGDIR [PROGRAM...]}
shift
shopt -s nullglob
logs=("$dir"/*.log)
bad=0
if [ ${#logs[@]} -eq 0 ]; then
    echo "valgrind: no logs in $dir" >&2
    exit 1
fi
for prog in "$@"; do
    found=("$dir/$prog".*.log)
    if [ ${#found[@]} -eq 0 ]; then
        echo "valgrind: no process of $prog ran under valgrind (no $dir/$prog.*.log)" >&2
        bad=1
    fi
done
for log in "${logs[@]}"; do
    if ! grep -q 'ERROR SUMMARY: ' "$log"; then
        echo "valgrind: $log has no summary: the process did not exit (killed?)" >&2
        bad=1
    elif ! grep -q 'ERROR SUMMARY: 0 errors' "$log" ||
        grep -Eq '(definitely|indirectly|possibly) lost: [1-9]' "$log"; then
        echo "valgrind: errors or leaks in $log:" >&2
        # Every record but the still-reachable ones (those are listed, not errors).
        awk '{ blk = blk $0 "\n" } /^==[0-9]+== $/ { if (blk !~ /still reachable in loss record/) printf "%s", blk; blk = "" }
             END { printf "%s", blk }' "$log" | head -n 300 >&2
        bad=1
    fi
done
if [ $bad -ne 0 ]; then
    exit 1
fi
echo "valgrind: ${#logs[@]} process(es) in $dir: no errors, no definite/indirect/possible leaks"
