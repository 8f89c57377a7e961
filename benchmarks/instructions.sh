#!/bin/bash
# The server's instructions per event, counted by callgrind (user space only, all
# threads): repeatable where CPU time is not, to compare two builds.
#
#   benchmarks/instructions.sh [BINARY] [PATH] [CLIENTS]
#   benchmarks/instructions.sh .build/release/ssescript '/tick?ms=1000' 500
#   benchmarks/instructions.sh /tmp/old/ssescript /broadcast 300
#   STORM=1 benchmarks/instructions.sh .build/release/ssescript /broadcast 2000
#
# Serves benchmarks/ssescript/peer.lua under valgrind, opens CLIENTS streams on PATH
# with `ssescript bench` (this build's, outside valgrind), counts 10 s after an 8 s
# warm-up, and divides by the events the clients read meanwhile (tick: 1 a second a
# client; broadcast: 10). With STORM=1, what a connection costs instead: no
# broadcasts, the CLIENTS streams opened at once, counted from before the first
# until 8 s later, divided by CLIENTS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/ssescript}
URLPATH=${2:-/tick?ms=1000}
CLIENTS=${3:-500}
PORT=${PORT:-18450}
. "$ROOT/benchmarks/callgrind-serve.sh"
[ -n "${STORM:-}" ] && export BCAST_MS=3600000
callgrind_serve --instr-atstart=no
if [ -n "${STORM:-}" ]; then
    callgrind_control -i on "$SERVER" >/dev/null 2>&1
    START=$(date +%s%N)
    "$BIN" bench "http://127.0.0.1:$PORT$URLPATH" -c "$CLIENTS" -d 8 --json > "$WORK/bench.json"
else
    "$BIN" bench "http://127.0.0.1:$PORT$URLPATH" -c "$CLIENTS" -d 22 -w 8 --ramp 500 --json > "$WORK/bench.json" &
    CLIENT=$!
    sleep 8
    callgrind_control -i on "$SERVER" >/dev/null 2>&1
    START=$(date +%s%N)
    sleep 10
fi
callgrind_control -i off "$SERVER" >/dev/null 2>&1
ELAPSED_NS=$(($(date +%s%N) - START))
callgrind_control -d "$SERVER" >/dev/null 2>&1
if [ -n "${CLIENT:-}" ]; then wait "$CLIENT"; fi
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
python3 - "$WORK" "$ELAPSED_NS" "${STORM:-}" <<'PY'
import glob, json, sys
work, elapsed, storm = sys.argv[1], int(sys.argv[2]) / 1e9, sys.argv[3]
total = 0
for name in glob.glob(work + "/out*"):
    for line in open(name):
        if line.startswith("summary:") or line.startswith("totals:"):
            total = max(total, int(line.split()[1]))
bench = json.load(open(work + "/bench.json"))
if storm:
    opened = bench["established"]
    print(f"instructions {total:,} for {opened:,} streams opened at once: {total / opened:,.0f} a connection")
    sys.exit(0)
events = bench["events_per_sec"] * elapsed
print(f"instructions {total:,} over {elapsed:.1f} s, {events:,.0f} events: {total / events:,.0f} an event")
PY
