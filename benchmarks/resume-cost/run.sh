#!/bin/bash
# What --metrics adds to one coroutine resume (the one per-event cost it has: the
# script's resumes are timed for ssescript_script_resume_seconds). Runs the release
# binary on resumes.lua (300,000 resumes) with and without --metrics, alternating,
# and prints the process CPU the resumes took each time, then the medians.
#     benchmarks/resume-cost/run.sh [ROUNDS]     (default 6)
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s release >&2
rounds=${1:-6}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
off=() on=()
for round in $(seq "$rounds"); do
    for mode in off on; do
        args=(); [ "$mode" = on ] && args=(--metrics 127.0.0.1:0)
        .build/release/ssescript serve benchmarks/resume-cost/resumes.lua --port 0 --no-watch "${args[@]}" \
            >/dev/null 2>"$log" &
        pid=$!
        for _ in $(seq 300); do grep -q RESUMES "$log" && break; sleep 0.1; done   # bounded: 30 s
        kill "$pid"; wait "$pid" 2>/dev/null || true
        cpu=$(grep -o 'CPU [0-9.]*' "$log" | cut -d' ' -f2)
        echo "round $round, metrics $mode: $cpu s"
        if [ "$mode" = on ]; then on+=("$cpu"); else off+=("$cpu"); fi
    done
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
a=$(median "${off[@]}") b=$(median "${on[@]}")
awk -v a="$a" -v b="$b" 'BEGIN {printf "median: %.4f s off, %.4f s on: %.2f us more per resume\n", a, b, (b-a)/300000*1e6}'
