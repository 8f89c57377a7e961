#!/bin/bash
# The production edge side by side: the same broadcast feed (benchmarks/ssescript/peer.lua,
# one event to every stream every 100 ms) served three ways by one release build, read by
# the same client (`ssescript bench`) each time:
#   h1      HTTP/1.1 in the clear, one connection per stream
#   h1-tls  HTTP/1.1 over TLS (--tls-self-signed), one connection per stream
#   h2-tls  HTTP/2 over TLS, STREAMS/100 connections of 100 streams each
# Prints, per way and round: streams open, events/s, p50/p99, server CPU over the measured
# window and CPU per delivered event; the ratios to h1 come from the same round.
#
#   benchmarks/edge.sh [STREAMS] [ROUNDS]      (default 10000 streams, 3 rounds)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STREAMS=${1:-10000}
ROUNDS=${2:-3}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
BIN=$ROOT/.build/release/ssescript
(cd "$ROOT" && make -s release) >&2
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
PORT=18443

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run WAY: prints one JSON line {way, streams, events_per_s, p50_ms, p99_ms, cpu_us_per_event}
run() {
    local way=$1 scheme=http tls=() client=()
    case $way in
        h1-tls) scheme=https; tls=(--tls-self-signed); client=(-k) ;;
        h2-tls) scheme=https; tls=(--tls-self-signed); client=(-k --http2 --streams-per-connection 100) ;;
    esac
    "$BIN" serve "$ROOT/benchmarks/ssescript/peer.lua" --port $PORT --no-watch "${tls[@]}" >/dev/null 2>&1 &
    local server=$!
    for _ in $(seq 1 100); do curl -sk -o /dev/null "$scheme://127.0.0.1:$PORT/" && break; sleep 0.1; done
    local out
    out=$(mktemp)
    "$BIN" bench "$scheme://127.0.0.1:$PORT/broadcast" -c "$STREAMS" -d $((DURATION + WARMUP)) -w "$WARMUP" \
        --threads 1 --json "${client[@]}" >"$out" 2>/dev/null &
    local bench=$!
    sleep "$WARMUP"
    local before
    before=$(cpu_ticks $server)
    wait $bench || true
    local after
    after=$(cpu_ticks $server)
    kill -INT $server
    wait $server 2>/dev/null || true
    python3 - "$way" "$out" "$before" "$after" "$DURATION" <<'PY'
import json, os, sys
way, path, before, after, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
report = json.load(open(path)); os.unlink(path)
cpu_s = (after - before) / os.sysconf("SC_CLK_TCK")
events = report["window_events"]          # the measured window, the one the CPU covers
latency = report["latency_us"]
print(json.dumps({"way": way, "streams": report["established"], "tcp": report["tcp_connections"],
                  "events_per_s": round(events / report["window_s"]), "p50_ms": latency["p50"] / 1000,
                  "p99_ms": latency["p99"] / 1000, "server_cpu_s": round(cpu_s, 2),
                  "cpu_us_per_event": round(cpu_s * 1e6 / events, 2) if events else None}))
PY
}

results=$(mktemp)
for round in $(seq 1 "$ROUNDS"); do
    for way in h1 h1-tls h2-tls; do
        line=$(run $way)
        echo "round $round $line" >&2
        echo "$line" >>"$results"
    done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ways = ["h1", "h1-tls", "h2-tls"]
median = {w: statistics.median(r["cpu_us_per_event"] for r in rows if r["way"] == w) for w in ways}
print(f"{'way':8} {'streams':>8} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/event':>13} {'vs h1':>6}   (medians)")
for w in ways:
    mine = [r for r in rows if r["way"] == w]
    med = lambda k: statistics.median(r[k] for r in mine if r[k] is not None) if any(r[k] is not None for r in mine) else float("nan")
    print(f"{w:8} {med('streams'):8.0f} {med('events_per_s'):9.0f} {med('p50_ms'):7.1f} {med('p99_ms'):7.1f} "
          f"{median[w]:13.2f} {median[w] / median['h1']:5.2f}x")
PY
rm -f "$results"
