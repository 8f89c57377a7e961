public import NIOCore

/// Reads a `text/event-stream` exactly as the WHATWG HTML standard's "event stream interpretation"
/// (§9.2.6) says a client does, from bytes in chunks of any size.
///
/// One parser reads one stream. Bytes may be split anywhere: inside a UTF-8 sequence, inside the
/// leading byte order mark, between the CR and LF of a CRLF. Each line is decoded as UTF-8 with
/// invalid sequences replaced by U+FFFD.
///
/// Besides the events it dispatches, the parser reports each accepted `retry` field and each
/// comment line, the text after the colon with one leading space removed (as for field values).
public struct EventStreamParser: Sendable {
    /// What the stream produced, in stream order.
    public enum Item: Sendable, Hashable {
        /// An event, dispatched by a blank line.
        case event(MessageEvent)
        /// A `retry` field that set the reconnection time, in milliseconds.
        case retry(Int)
        /// A comment line, without the colon and one leading space.
        case comment(String)
    }

    /// The last event ID string: set from the `id` fields each time an event is dispatched,
    /// even when a blank line dispatches no event because there was no data.
    public private(set) var lastEventID = ""
    /// The reconnection time in milliseconds set by the last valid `retry` field, if any.
    public private(set) var reconnectionTime: Int?

    /// The stream's buffers, named as in the standard.
    private var dataBuffer: [UInt8] = []
    private var eventTypeBuffer: [UInt8] = []
    private var lastEventIDBuffer = ""

    /// The bytes of the line read so far, when it spans chunks.
    private var partialLine: [UInt8] = []
    /// Whether the last line ended with a CR, so that an LF right after it belongs to that line end.
    private var lastLineEndedWithCR = false
    /// How many bytes of a leading byte order mark have been read, or nil once past the start.
    private var byteOrderMarkBytesRead: Int? = 0

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init() {}

    /// Reads the next bytes of the stream and returns what they complete.
    public mutating func parse(_ bytes: some Sequence<UInt8>) -> [Item] {
        var items: [Item] = []
        let wasContiguous: Void? = bytes.withContiguousStorageIfAvailable { parse($0, into: &items) }
        if wasContiguous == nil {
            Array(bytes).withUnsafeBufferPointer { parse($0, into: &items) }
        }
        return items
    }

    /// Reads the readable bytes of `buffer` as the next bytes of the stream; does not move its reader index.
    public mutating func parse(_ buffer: ByteBuffer) -> [Item] {
        parse(buffer.readableBytesView)
    }

    /// Ends the stream. As the standard says, a partial last line and an event not ended by a
    /// blank line are discarded, so this returns no item; nothing that is already reported changes.
    ///
    /// Bytes parsed afterwards are read as a new stream, with buffers initialised as the standard
    /// says for one: empty, including the last event ID buffer. `lastEventID` and
    /// `reconnectionTime` keep their values until the new stream changes them.
    public mutating func finish() -> [Item] {
        dataBuffer.removeAll()
        eventTypeBuffer.removeAll()
        lastEventIDBuffer = ""
        partialLine.removeAll()
        lastLineEndedWithCR = false
        byteOrderMarkBytesRead = 0
        return []
    }

    private mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, into items: inout [Item]) {
        var index = skipByteOrderMark(in: bytes)
        var lineStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if lastLineEndedWithCR {
                lastLineEndedWithCR = false
                if byte == UInt8(ascii: "\n") {
                    index += 1
                    lineStart = index
                    continue
                }
            }
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else {
                index += 1
                continue
            }
            let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<index])
            if partialLine.isEmpty {
                processLine(line, into: &items)
            } else {
                var wholeLine: [UInt8] = []
                swap(&wholeLine, &partialLine)
                wholeLine.append(contentsOf: line)
                wholeLine.withUnsafeBufferPointer { processLine($0, into: &items) }
                wholeLine.removeAll(keepingCapacity: true)
                swap(&wholeLine, &partialLine)
            }
            lastLineEndedWithCR = byte == UInt8(ascii: "\r")
            index += 1
            lineStart = index
        }
        partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[lineStart...]))
    }

    /// Consumes the bytes of a byte order mark at the start of the stream and returns where the rest begins.
    /// Bytes that turn out not to be one are kept as the start of the first line.
    private mutating func skipByteOrderMark(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard var bytesRead = byteOrderMarkBytesRead else {
            return 0
        }
        var index = 0
        while index < bytes.count, bytesRead < Self.byteOrderMark.count {
            guard bytes[index] == Self.byteOrderMark[bytesRead] else {
                partialLine.append(contentsOf: Self.byteOrderMark[..<bytesRead])
                byteOrderMarkBytesRead = nil
                return index
            }
            bytesRead += 1
            index += 1
        }
        byteOrderMarkBytesRead = bytesRead == Self.byteOrderMark.count ? nil : bytesRead
        return index
    }

    private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>, into items: inout [Item]) {
        guard let first = line.first else {
            dispatchEvent(into: &items)
            return
        }
        if first == UInt8(ascii: ":") {
            let text = Self.removingOneLeadingSpace(UnsafeBufferPointer(rebasing: line.dropFirst()))
            items.append(.comment(String(decoding: text, as: UTF8.self)))
            return
        }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = UnsafeBufferPointer(rebasing: line[..<colon])
        let value = Self.removingOneLeadingSpace(UnsafeBufferPointer(rebasing: line[colon...].dropFirst()))
        processField(field, value: value, into: &items)
    }

    private mutating func processField(
        _ field: UnsafeBufferPointer<UInt8>,
        value: UnsafeBufferPointer<UInt8>,
        into items: inout [Item]
    ) {
        if field.elementsEqual("event".utf8) {
            eventTypeBuffer.removeAll(keepingCapacity: true)
            eventTypeBuffer.append(contentsOf: value)
        } else if field.elementsEqual("data".utf8) {
            dataBuffer.append(contentsOf: value)
            dataBuffer.append(UInt8(ascii: "\n"))
        } else if field.elementsEqual("id".utf8) {
            if !value.contains(0) {
                lastEventIDBuffer = String(decoding: value, as: UTF8.self)
            }
        } else if field.elementsEqual("retry".utf8) {
            if let milliseconds = Self.reconnectionTime(from: value) {
                reconnectionTime = milliseconds
                items.append(.retry(milliseconds))
            }
        }
    }

    private mutating func dispatchEvent(into items: inout [Item]) {
        lastEventID = lastEventIDBuffer
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            eventTypeBuffer.removeAll(keepingCapacity: true)
        }
        guard !dataBuffer.isEmpty else {
            return
        }
        dataBuffer.removeLast()  // the LF that every data field adds
        let type = eventTypeBuffer.isEmpty ? "message" : String(decoding: eventTypeBuffer, as: UTF8.self)
        let data = String(decoding: dataBuffer, as: UTF8.self)
        items.append(.event(MessageEvent(type: type, data: data, lastEventID: lastEventID)))
    }

    /// The value of a `retry` field: ASCII digits only, at least one. A value too large for `Int`
    /// is ignored like any other invalid one.
    private static func reconnectionTime(from value: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !value.isEmpty else {
            return nil
        }
        var milliseconds = 0
        for byte in value {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                return nil
            }
            let (times10, overflowed) = milliseconds.multipliedReportingOverflow(by: 10)
            let (sum, overflowedAgain) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflowed || overflowedAgain {
                return nil
            }
            milliseconds = sum
        }
        return milliseconds
    }

    private static func removingOneLeadingSpace(_ value: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        value.first == UInt8(ascii: " ") ? UnsafeBufferPointer(rebasing: value.dropFirst()) : value
    }
}
