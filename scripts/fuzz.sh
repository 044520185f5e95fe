#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by `make fuzz-build` (build/fuzz/bin).
#
#   scripts/fuzz.sh run SECONDS TARGET...
#
# For each target: first replays every file in tests/fuzz/regressions/<target>/ (crashes
# found earlier, kept so a fix stays fixed), then fuzzes for SECONDS starting from the
# committed seeds in tests/fuzz/corpus/<target>/. The seeds are only read: libFuzzer writes
# new inputs into its first corpus directory, which is build/fuzz/work/<target>. Crashing
# inputs land in build/fuzz/crashes/<target>/. Exit 1 when any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."

fz=${FUZZ_BUILD:-build/fuzz} # make passes its FUZZ_BUILD
[ "${1:-}" = run ] || { echo "usage: $0 run SECONDS TARGET..." >&2; exit 2; }
secs=$2
shift 2

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for t in "$@"; do
    bin=$fz/bin/$t
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin is missing (make fuzz-build)" >&2
        failed+=("$t")
        continue
    fi
    work=$fz/work/$t
    crashes=$fz/crashes/$t
    mkdir -p "$work" "$crashes"
    log=$fz/logs/$t.log
    mkdir -p "$(dirname "$log")"

    reg=tests/fuzz/regressions/$t
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        echo "== $t: replaying $(ls -A "$reg" | wc -l) regression input(s)"
        if ! "$bin" -artifact_prefix="$crashes/" "$reg"/* >"$fz/logs/$t.replay.log" 2>&1; then
            echo "fuzz: $t FAILED on a regression input; see $fz/logs/$t.replay.log" >&2
            tail -n 40 "$fz/logs/$t.replay.log" >&2
            failed+=("$t")
            continue
        fi
    fi

    seeds=tests/fuzz/corpus/$t
    dirs=("$work")
    [ -d "$seeds" ] && dirs+=("$seeds")
    echo "== $t: fuzzing for ${secs}s (log: $log)"
    # -timeout: one input taking longer than 10 s is a hang, reported like a crash.
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "${dirs[@]}" >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -n 2
    else
        echo "fuzz: $t FAILED; input(s) in $crashes/, log $log" >&2
        grep -nE 'ERROR: |SUMMARY: |runtime error|Test unit written' "$log" | head -n 20 >&2
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: all targets clean"
