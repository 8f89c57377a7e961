#!/bin/bash
# Peer "ssescript" for ../shared/bench/compare.sh.  Usage: run.sh PORT | run.sh --install
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../.." && pwd)
(cd "$ROOT" && make -s release) >&2          # idempotent: installs what is missing, builds release
[ "${1:-}" = "--install" ] && exit 0
PORT=${1:?usage: run.sh PORT}
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
exec "$ROOT/.build/release/ssescript" serve "$DIR/peer.lua" --port "$PORT" --no-watch
