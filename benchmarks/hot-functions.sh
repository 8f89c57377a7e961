#!/bin/bash
# Writes benchmarks/hot-functions.txt, the order in which `make release` lays out the
# functions it links (lld's --symbol-ordering-file): every function a server runs
# from its start through broadcasts, per-connection timers, HTTP/2 and plain
# requests, hottest first, as callgrind counts them. Together, they fill fewer of
# the pages the kernel maps in 64 KB at a time around each one touched: a started
# server maps 4 to 5 MB less of its binary (BENCHMARKS.md). Names that no longer exist
# are ignored and new functions are laid out after these, so a stale list costs
# memory, never correctness; run this again after large changes:
#
#   make release && benchmarks/hot-functions.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/ssescript}
PORT=${PORT:-18490}
. "$ROOT/benchmarks/callgrind-serve.sh"
callgrind_serve --demangle=no
URL=http://127.0.0.1:$PORT
"$BIN" bench "$URL/broadcast" -c 1000 -d 6 > /dev/null
"$BIN" bench "$URL/tick?ms=1000" -c 300 -d 6 --ramp 300 > /dev/null
"$BIN" bench "$URL/broadcast" -c 50 -d 3 --http2 > /dev/null
curl -s -o /dev/null "$URL/no-such-page"
kill -INT "$SERVER"
wait "$SERVER" || true
callgrind_annotate --threshold=100 "$WORK/out" | python3 -c '
import re, sys
names = []
for line in sys.stdin:
    match = re.match(r"\s*[\d,]+ \([^)]*\)\s+(\S+) \[" + re.escape(sys.argv[1]) + r"\]$", line.rstrip())
    if match:
        names.append(match.group(1).split(":", 1)[-1])
sys.stdout.write("".join(name + "\n" for name in dict.fromkeys(names)))
' "$WORK/ssescript" > "$ROOT/benchmarks/hot-functions.txt"
echo "$(wc -l < "$ROOT/benchmarks/hot-functions.txt") functions in benchmarks/hot-functions.txt"
