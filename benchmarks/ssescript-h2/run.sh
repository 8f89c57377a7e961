#!/bin/bash
# Peer "ssescript-h2" for ../shared/bench/h2bench.py: the benchmark peer over TLS,
# with HTTP/2 by ALPN and a certificate made at start.  Usage: run.sh PORT | run.sh --install
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
(cd "$ROOT" && make -s release) >&2          # idempotent: installs what is missing, builds release
[ "${1:-}" = "--install" ] && exit 0
PORT=${1:?usage: run.sh PORT}
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
exec "$ROOT/.build/release/ssescript" serve "$ROOT/benchmarks/ssescript/peer.lua" --port "$PORT" --no-watch --tls-self-signed
