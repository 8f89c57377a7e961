#!/usr/bin/env bash
# Pipelined INCR throughput: RedisClient (release build) against redis-benchmark, on one
# redis-server started here (127.0.0.1, a free port, persistence off), same run.
#
#     benchmarks/redis-incr.sh [ROUNDS]     (default 9)
#
# redis-benchmark: -t incr -P 16 -n 100000 -q (50 connections, 16 commands in flight each).
# redis-incr-bench: one connection, 100,000 INCRs sent from its event loop in bursts of
# 1,000 per loop tick without waiting (see Sources/RedisIncrBench/main.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-9}
make -s release-redis-incr-bench >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --logfile "$dir/log" &
pid=$!
trap 'kill "$pid"; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

echo "# $(date -u +%F), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(redis-server --version | cut -d' ' -f1-3)"
# Rounds alternate between the two, so a noisy neighbour hits both alike; medians at the end.
ours=() theirs=()
for round in $(seq "$rounds"); do
    theirs+=("$(redis-benchmark -t incr -P 16 -n 100000 -q -p "$port" | tr '\r' '\n' | awk '/requests per second/ {v=$2} END {print int(v)}')")
    ours+=("$(.build/release/redis-incr-bench "$port" 100000 1 2>/dev/null | awk '/median/ {print $(NF-1)}')")
    echo "round $round: redis-benchmark ${theirs[-1]} commands/s, RedisClient ${ours[-1]} commands/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
them=$(median "${theirs[@]}") us=$(median "${ours[@]}")
echo "median of $rounds: redis-benchmark $them commands/s, RedisClient $us commands/s ($(awk -v a="$us" -v b="$them" 'BEGIN {printf "%.2f", a/b}')x)"
