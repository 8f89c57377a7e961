#!/bin/bash
# run.sh BINARY [N]: the kernel memory of N idle streams (server and client on this
# machine, so 2N sockets): slab memory (unreclaimable and reclaimable, from
# /proc/meminfo) and TCP buffer pages (/proc/net/sockstat), before and after, per
# socket; then the slab caches that hold a socket. Run as root (it drops the
# reclaimable caches first) on a quiet machine. ssebench: $SSE_BENCH/ssebench.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
BIN=$1; N=${2:-18000}; PORT=${PORT:-18570}; SB=${SSE_BENCH:-$DIR/../../../shared/bench}/ssebench
ulimit -n 20000
slab() { awk '/^SUnreclaim/{u=$2} /^SReclaimable/{r=$2} END{print u, r}' /proc/meminfo; }
tcpmem() { awk '/^TCP:/{print $NF}' /proc/net/sockstat; }
$BIN serve $DIR/../leave/leave.lua --port $PORT --no-watch --max-clients 100000 >/dev/null 2>&1 & SPID=$!
sleep 1; sync; echo 2 > /proc/sys/vm/drop_caches 2>/dev/null; sleep 1
read u0 r0 < <(slab); m0=$(tcpmem)
$SB -u http://127.0.0.1:$PORT/sse -c $N -d 600 -r 5000 -t 2 >/dev/null 2>&1 & CPID=$!
for i in $(seq 120); do c=$(curl -s http://127.0.0.1:$PORT/count); case "$c" in *[!0-9]*|"") c=0;; esac; [ "$c" -ge $((N-50)) ] && break; sleep 0.5; done
sleep 3
c=$(curl -s http://127.0.0.1:$PORT/count)
read u1 r1 < <(slab); m1=$(tcpmem)
echo "streams=$c unreclaimable_kB=$((u1-u0)) reclaimable_kB=$((r1-r0)) tcp_buffer_pages=$((m1-m0)) per_socket_bytes(unreclaimable+reclaimable)/2N=$(( (u1-u0+r1-r0)*1024/(2*c) ))"
grep -E "^(TCP|tcp_bind|sock_inode|filp|dentry|eventpoll_epi|skbuff|kmalloc-(256|512|1k|2k|4k)) " /proc/slabinfo | awk '{print $1, $2, $4}'
pkill -9 -P $CPID; kill -9 $CPID; kill $SPID; wait 2>/dev/null
