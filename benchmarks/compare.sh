#!/bin/bash
# Runs the shared SSE benchmark with ssescript first, so ratios are to ssescript.
#
#   benchmarks/compare.sh [-n REPEATS] WORKLOAD[,WORKLOAD...] [PEER ...]
#   benchmarks/compare.sh -n 3 tick5k,bcast10k node nginx-lua nchan
#
# The harness lives read-only in ../shared/bench; it is copied to .build/bench,
# where ssebench is built. Results go to bench-results/DATE (runs.jsonl, logs,
# table.txt). Workloads and peers: ../shared/bench/README.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SSE_BENCH:-$ROOT/../shared/bench}
WORK=$ROOT/.build/bench
OUT=$ROOT/bench-results/$(date +%Y%m%d-%H%M%S)
[ -d "$SHARED" ] || { echo "no benchmark harness at $SHARED (set SSE_BENCH)" >&2; exit 2; }
mkdir -p "$WORK" "$OUT"
cp -a "$SHARED/." "$WORK/"
chmod -R u+w "$WORK"
REPEATS=()
if [ "${1:-}" = "-n" ]; then REPEATS=(-n "$2"); shift 2; fi
WORKLOADS=${1:?usage: compare.sh [-n REPEATS] WORKLOAD[,WORKLOAD...] [PEER ...]}
shift
"$WORK/compare.sh" "${REPEATS[@]}" -o "$OUT" "$WORKLOADS" "$ROOT/benchmarks/ssescript" "$@" | tee "$OUT/table.txt"
