// libFuzzer target: the encoder against the parser. The input is an event's
// fields (data, event, id, comment, retry, separated by 0xFF bytes); an event the
// encoder writes must read back, through the parser, as exactly what a client
// should see; one it refuses must break a rule it states.

import CFuzzerDriver
import EventStream
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The fields of the input, each nil when absent.
private func event(from bytes: UnsafeBufferPointer<UInt8>) -> ServerSentEvent {
    let parts = bytes.split(separator: 0xFF, maxSplits: 4, omittingEmptySubsequences: false)
    func text(_ index: Int) -> String? {
        guard index < parts.count, !(parts[index].first == 0xFE && parts[index].count == 1) else { return nil }
        return String(decoding: parts[index], as: UTF8.self)
    }
    let retry = parts.count > 4 ? parts[4].reduce(0) { ($0 &* 31 &+ Int($1)) & 0x7FFF_FFFF } : nil
    return ServerSentEvent(data: text(0), event: text(1), id: text(2), retry: retry, comment: text(3))
}

/// `text`'s lines, split on CRLF, CR and LF, as the encoder writes them.
private func lines(_ text: String) -> [String] {
    var lines: [String] = []
    var line = String.UnicodeScalarView()
    var afterCR = false
    for scalar in text.unicodeScalars {
        defer { afterCR = scalar == "\r" }
        if afterCR && scalar == "\n" { continue }
        if scalar == "\r" || scalar == "\n" {
            lines.append(String(line))
            line = String.UnicodeScalarView()
        } else {
            line.append(scalar)
        }
    }
    return lines + [String(line)]
}

/// What a client reports for `event`, the first event of a stream.
private func expected(_ event: ServerSentEvent) -> [EventStreamParser.Item] {
    var items: [EventStreamParser.Item] = (event.comment.map(lines) ?? []).map { .comment($0) }
    if let retry = event.retry { items.append(.retry(retry)) }
    if let data = event.data {
        let type = event.event.flatMap { $0.isEmpty ? nil : $0 } ?? "message"
        let message = MessageEvent(type: type, data: lines(data).joined(separator: "\n"), lastEventID: event.id ?? "")
        items.append(.event(message))
    }
    return items
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let event = event(from: UnsafeBufferPointer(start: data, count: size))
    var buffer = ByteBuffer()
    do {
        try buffer.writeServerSentEvent(event)
    } catch {
        let forbidden: (String?) -> Bool = { $0?.utf8.contains { $0 == 10 || $0 == 13 || $0 == 0 } == true }
        precondition(forbidden(event.event) || forbidden(event.id), "refused a valid event: \(error)")
        cfuzzer_observe(1)
        return 0
    }
    var parser = EventStreamParser()
    let items = parser.parse(buffer) + parser.finish()
    precondition(items == expected(event), "\(event) read back as \(items)")
    cfuzzer_observe(UInt64(items.count) << 8 | UInt64(Int.bitWidth - buffer.readableBytes.leadingZeroBitCount))
    return 0
}

exit(cfuzzer_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzOne))
