#!/bin/bash
# Peer "ssescript-metrics": the "ssescript" peer with --metrics on PORT+1000, scraped
# every 5 s as Prometheus would, for the A/B of counting against the fan-out:
#   benchmarks/compare.sh -n 3 bcast10k,tick5k benchmarks/ssescript-metrics
# The scraper is detached (setsid), so its own CPU and memory are not counted as the
# server's; what the server spends answering the scrapes is.  Usage: run.sh PORT | --install
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
(cd "$ROOT" && make -s release) >&2          # idempotent: installs what is missing, builds release
[ "${1:-}" = "--install" ] && exit 0
PORT=${1:?usage: run.sh PORT}
METRICS=$((PORT + 1000))
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
# At most 60 scrapes (5 min); it ends by itself once the server is gone.
( setsid sh -c "for i in \$(seq 60); do sleep 5; curl -sf -o /dev/null http://127.0.0.1:$METRICS/metrics || exit 0; done" \
    </dev/null >/dev/null 2>&1 & )
exec "$ROOT/.build/release/ssescript" serve "$ROOT/benchmarks/ssescript/peer.lua" --port "$PORT" --no-watch \
    --metrics "127.0.0.1:$METRICS"
