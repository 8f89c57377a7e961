// The lines an event is made of on the wire, in the order they are written.

extension ServerSentEvent {
    /// Calls `body` with the field name and value of each line of this event, in wire order: the
    /// comment lines (whose field name is empty), `event`, `id`, `retry`, then the `data` lines.
    /// `comment` and `data` give one line for each of their lines, split on CRLF, CR and LF.
    ///
    /// `retry` is the decimal digits of `self.retry`, made once by the caller. `state` is passed
    /// through to `body`, so that `body` captures nothing mutable: a captured variable would cost
    /// a dynamic exclusivity check on each access.
    func forEachFieldLine<State>(
        retry: String?,
        state: inout State,
        _ body: (_ name: StaticString, _ value: UnsafeBufferPointer<UInt8>, _ state: inout State) -> Void
    ) {
        if let comment {
            comment.withUTF8Bytes { Self.forEachLine(in: $0, state: &state) { body("", $0, &$1) } }
        }
        if let event {
            event.withUTF8Bytes { body("event", $0, &state) }
        }
        if let id {
            id.withUTF8Bytes { body("id", $0, &state) }
        }
        if let retry {
            retry.withUTF8Bytes { body("retry", $0, &state) }
        }
        if let data {
            data.withUTF8Bytes { Self.forEachLine(in: $0, state: &state) { body("data", $0, &$1) } }
        }
    }

    /// Calls `body` with each line of `text`, split on CRLF, CR and LF. A line end at the end of
    /// `text` is followed by one last empty line, and an empty `text` is one empty line.
    private static func forEachLine<State>(
        in text: UnsafeBufferPointer<UInt8>,
        state: inout State,
        _ body: (UnsafeBufferPointer<UInt8>, inout State) -> Void
    ) {
        var lineStart = 0
        var index = 0
        while index < text.count {
            let byte = text[index]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else {
                index += 1
                continue
            }
            body(UnsafeBufferPointer(rebasing: text[lineStart..<index]), &state)
            index += 1
            if byte == UInt8(ascii: "\r"), index < text.count, text[index] == UInt8(ascii: "\n") {
                index += 1
            }
            lineStart = index
        }
        body(UnsafeBufferPointer(rebasing: text[lineStart...]), &state)
    }
}
