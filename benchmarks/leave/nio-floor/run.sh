#!/bin/bash
# Peer "nio-floor" for leavepeer.sh (a path to this directory works as a peer): the
# floor of any swift-nio server here, with the swift-nio ssescript pins. Every
# connection gets an SSE head on its first read and is held; nothing else.
# Usage: run.sh PORT | run.sh --install
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
(cd "$DIR" && swift build -c release -q) >&2
[ "${1:-}" = "--install" ] && exit 0
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
exec "$DIR/.build/release/niofloor" "${1:?usage: run.sh PORT}"
