# Sourced by the scripts that count a server's instructions with callgrind
# (instructions.sh, hot-functions.sh). With BIN and PORT set:
#
#   callgrind_serve [VALGRIND OPTION ...]
#
# serves benchmarks/ssescript/peer.lua on PORT from a copy of BIN under callgrind,
# its profile going to $WORK/out (WORK: a temporary folder, removed on exit), sets
# SERVER to its pid and returns once it answers. valgrind cannot read the DWARF 5
# lld writes, so the copy has no debug information (the symbol table is enough).
callgrind_serve() {
    command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    objcopy --strip-debug "$BIN" "$WORK/ssescript"
    ulimit -n 20000 2>/dev/null || true
    valgrind --tool=callgrind "$@" --callgrind-out-file="$WORK/out" \
        "$WORK/ssescript" serve "$ROOT/benchmarks/ssescript/peer.lua" --port "$PORT" --no-watch \
        > "$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 120); do curl -s -o /dev/null -m 1 "http://127.0.0.1:$PORT/" && return; sleep 0.5; done
}
