// libFuzzer target: the event-stream parser, on any bytes. Parsed whole or in
// pieces cut anywhere (inside a UTF-8 sequence, a BOM, a CRLF), a stream must
// give the same events: a difference, or a crash, is a finding.

import CFuzzerDriver
import EventStream

#if canImport(Glibc)
    import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var whole = EventStreamParser()
    let items = whole.parse(bytes) + whole.finish()
    var pieces = EventStreamParser()
    var pieceItems: [EventStreamParser.Item] = []
    var start = 0
    var length = 1
    while start < size {
        let end = min(size, start + length)
        pieceItems += pieces.parse(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        start = end
        length = (length * 7 + Int(bytes[end - 1])) % 13 + 1
    }
    pieceItems += pieces.finish()
    precondition(items == pieceItems, "cut in pieces, the stream parsed differently")
    observe(items)
    precondition(whole.lastEventID == pieces.lastEventID && whole.reconnectionTime == pieces.reconnectionTime)
    return 0
}

/// What the stream gave, for libFuzzer's guidance: each item's kind after the one before.
func observe(_ items: [EventStreamParser.Item]) {
    var previous: UInt64 = 0
    for item in items {
        let kind: UInt64
        switch item {
        case .event(let event):
            kind = 1 | UInt64(min(event.data.utf8.count, 15)) << 4 | (event.type == "message" ? 0 : 2)
        case .retry(let retry): kind = 3 | UInt64(min(retry, 15)) << 4
        case .comment(let text): kind = 4 | UInt64(min(text.utf8.count, 15)) << 4
        }
        cfuzzer_observe(previous << 8 | kind)
        previous = kind
    }
}

exit(cfuzzer_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzOne))
