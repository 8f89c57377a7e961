#!/bin/bash
# leavepeer.sh PEER [N] [PATH]: what leave.sh measures, for a peer of the shared bench
# ($SSE_BENCH/peers/PEER/run.sh) or a directory with a run.sh (a PEER with a /, such as
# benchmarks/leave/nio-floor), which has no count endpoint: N streams of PATH,
# counted by ss, killed at once; the peer's process tree's CPU over the next 3 s, and
# how long a new stream waits meanwhile for its first bytes.
# Run with BCAST_MS=3600000 so that no broadcast falls in the window.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
PEER=$1; N=${2:-18000}; P=${3:-/broadcast}; PORT=${PORT:-18556}
BENCH=${SSE_BENCH:-$DIR/../../../shared/bench}
SB=$BENCH/ssebench
OUT=${OUT:-$(mktemp -d)}
ulimit -n 20000
case $PEER in */*) RUN=$PEER/run.sh ;; *) RUN=$BENCH/peers/$PEER/run.sh ;; esac
"$RUN" --install >"$OUT/install.log" 2>&1
setsid "$RUN" $PORT >"$OUT/peer.log" 2>&1 &
RPID=$!
sleep 3
$SB -u http://127.0.0.1:$PORT$P -c $N -d 600 -r 5000 -t 2 >"$OUT/client.log" 2>&1 &
CPID=$!
for i in $(seq 240); do est=$(ss -tn state established "( sport = :$PORT )" | tail -n +2 | wc -l); [ $est -ge $((N-100)) ] && break; sleep 0.5; done
sleep 3
est=$(ss -tn state established "( sport = :$PORT )" | tail -n +2 | wc -l)
pids=$(pgrep -g $(ps -o pgid= $RPID | tr -d ' ') | tr '\n' ' ')
cpu() { t=0; for p in $pids; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
before=$(cpu)
pkill -9 -P $CPID; kill -9 $CPID
# a new stream's first bytes while they leave
req=$(curl -s -o /dev/null -m 2 -w '%{time_starttransfer}' http://127.0.0.1:$PORT$P)
sleep 3
after=$(cpu)
ms=$(( (after-before)*1000/$(getconf CLK_TCK) ))
echo "peer=$PEER established=$est cpu_ms=$ms us_per_client=$(( ms*1000/(est>0?est:1) )) first_bytes_s=$req"
kill -- -$(ps -o pgid= $RPID | tr -d ' ') 2>/dev/null; wait 2>/dev/null
