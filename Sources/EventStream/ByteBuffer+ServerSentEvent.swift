// Encodes a `ServerSentEvent` into `text/event-stream` bytes.

public import NIOCore

extension ByteBuffer {
    /// Appends `event` in the `text/event-stream` format and returns the number of bytes written.
    ///
    /// The event is validated first (see `ServerSentEvent.validate()`); if it is invalid, the error
    /// is thrown and nothing is written. Lines end in LF and come in this order: the comment lines,
    /// `event`, `id`, `retry`, the `data` lines, then one blank line that ends the event. A field
    /// is written `name: value`; an empty value is written `name:`, without a trailing space.
    /// `data` and `comment` are split on CRLF, CR and LF into one line each, so a line end at the
    /// end of `data` gives a last empty `data:` line and the client receives that line end.
    ///
    /// An event with no field set writes nothing and returns 0: its blank line alone would make
    /// the client dispatch nothing. An event with only a comment writes its comment lines without
    /// the blank line: a comment dispatches nothing, and some clients (swift-openapi-runtime's
    /// decoder among them) report an empty event at every blank line.
    @discardableResult
    public mutating func writeServerSentEvent(_ event: ServerSentEvent) throws(EventEncodingError) -> Int {
        try event.validate()
        if event.isEmpty {
            return 0
        }
        let retry = event.retry.map { String($0) }
        let endsWithBlankLine = !event.isCommentOnly
        var byteCount = endsWithBlankLine ? 1 : 0
        event.forEachFieldLine(retry: retry, state: &byteCount) { name, value, byteCount in
            byteCount += name.utf8CodeUnitCount + (value.isEmpty ? 2 : 3 + value.count)
        }
        // One write of the exact size: each ByteBuffer write costs more than copying a short line.
        return writeWithUnsafeMutableBytes(minimumWritableBytes: byteCount) { target in
            var frame = FrameWriter(target: target)
            event.forEachFieldLine(retry: retry, state: &frame) { name, value, frame in
                frame.append(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                frame.append(UInt8(ascii: ":"))
                if !value.isEmpty {
                    frame.append(UInt8(ascii: " "))
                    frame.append(UnsafeRawBufferPointer(value))
                }
                frame.append(UInt8(ascii: "\n"))
            }
            if endsWithBlankLine { frame.append(UInt8(ascii: "\n")) }
            assert(frame.offset == byteCount)
            return frame.offset
        }
    }
}

/// Copies bytes one after the other into memory known to be large enough.
private struct FrameWriter {
    let target: UnsafeMutableRawBufferPointer
    var offset = 0

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else {
            return
        }
        target.baseAddress!.advanced(by: offset).copyMemory(from: source, byteCount: bytes.count)
        offset += bytes.count
    }

    mutating func append(_ byte: UInt8) {
        target[offset] = byte
        offset += 1
    }
}
