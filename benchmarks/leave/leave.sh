#!/bin/bash
# leave.sh BINARY [N]: N clients of one topic (18,000: at 19,000 the descriptor reserve
# refuses the counting requests) killed at once with SIGKILL; prints the server's CPU
# from the kill until sse.clients() says 0 (plus 0.5 s), per client, and how long a
# request to the script took meanwhile. ssebench: $SSE_BENCH/ssebench (../shared/bench).
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
BIN=$1; N=${2:-18000}; PORT=${PORT:-18555}
SB=${SSE_BENCH:-$DIR/../../../shared/bench}/ssebench
OUT=${OUT:-$(mktemp -d)}
ulimit -n 20000
$BIN serve "$DIR/leave.lua" --port $PORT --no-watch --max-clients 100000 >"$OUT/server.log" 2>&1 &
SPID=$!
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$PORT/count && break; sleep 0.2; done
$SB -u http://127.0.0.1:$PORT/sse -c $N -d 600 -r 5000 -t 2 >"$OUT/client.log" 2>&1 &
CPID=$!
for i in $(seq 600); do c=$(curl -s http://127.0.0.1:$PORT/count); case "$c" in *[!0-9]*|"") c=0;; esac; [ "$c" -ge $((N-100)) ] && break; sleep 0.5; done
sleep 3
c=$(curl -s http://127.0.0.1:$PORT/count)
cpu() { awk '{print $14+$15}' /proc/$SPID/stat; }
before=$(cpu)
start=$(date +%s.%N)
pkill -9 -P $CPID; kill -9 $CPID
# a request to the script while they leave
req=$(curl -s -o /dev/null -w '%{time_total}' http://127.0.0.1:$PORT/count)
for i in $(seq 200); do n=$(curl -s http://127.0.0.1:$PORT/count); [ "$n" = 0 ] && break; sleep 0.05; done
sleep 0.5
after=$(cpu)
tck=$(getconf CLK_TCK)
ms=$(( (after-before)*1000/tck ))
echo "clients=$c cpu_ms=$ms us_per_client=$(( ms*1000/c )) request_s=$req"
kill $SPID; wait $SPID 2>/dev/null
