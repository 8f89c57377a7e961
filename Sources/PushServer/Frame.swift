public import EventStream
public import NIOCore

/// An event encoded once for all its subscribers.
///
/// `chunked` is the whole HTTP/1.1 chunk (`<hex size>\r\n<event>\r\n`): the chunk size
/// is the same for every client, so the framing is done once too. `payload` is the
/// event alone, a slice of the same storage, for close-delimited (HTTP/1.0) streams.
public struct Frame: Sendable {
    public let chunked: ByteBuffer
    public let payload: ByteBuffer
    /// The event's id, if it has a non-empty one: such an event is kept in its
    /// topic's history. Comments and heartbeats have none.
    public let id: String?

    /// Room left before the event for the chunk-size line: 16 hex digits and CRLF.
    static let headerRoom = 18

    /// Encodes `event`; throws (naming the field) when it cannot be written.
    public init(_ event: ServerSentEvent, allocator: ByteBufferAllocator = ByteBufferAllocator())
        throws(EventEncodingError)
    {
        var buffer = allocator.buffer(capacity: Self.headerRoom + 64 + (event.data?.utf8.count ?? 0))
        buffer.moveWriterIndex(forwardBy: Self.headerRoom)
        try buffer.writeServerSentEvent(event)
        self.init(framing: consume buffer, id: event.id?.isEmpty == false ? event.id : nil)
    }

    /// Frames the raw event bytes `text` (already in event-stream format). It has
    /// no id, so it is never kept in a history.
    public init(raw text: String, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        var buffer = allocator.buffer(capacity: Self.headerRoom + text.utf8.count + 2)
        buffer.moveWriterIndex(forwardBy: Self.headerRoom)
        buffer.writeString(text)
        self.init(framing: consume buffer, id: nil)
    }

    /// Frames an event already in event-stream format (as a broker carries it),
    /// with the id it is kept under in histories.
    public init(encoded payload: ByteBuffer, id: String?, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        var buffer = allocator.buffer(capacity: Self.headerRoom + payload.readableBytes + 2)
        buffer.moveWriterIndex(forwardBy: Self.headerRoom)
        buffer.writeImmutableBuffer(payload)
        self.init(framing: consume buffer, id: id?.isEmpty == false ? id : nil)
    }

    /// `buffer` holds `headerRoom` unused bytes, then the event: writes the chunk
    /// size before it and CRLF after it, in place, then takes the event alone as a
    /// slice of the same storage. The buffer is consumed: had the caller kept a
    /// reference, the first write in place would copy the whole storage (as slicing
    /// first would), and every frame would be allocated twice.
    init(framing buffer: consuming ByteBuffer, id: String?) {
        self.id = id
        let length = buffer.writerIndex - Self.headerRoom
        buffer.writeStaticString("\r\n")
        // The chunk size and its CRLF, in the room before the event, in one access
        // (readable from index 0: the buffer is a fresh one).
        assert(buffer.readerIndex == 0)
        let start = buffer.withUnsafeMutableReadableBytes { bytes in
            var start = Self.headerRoom - 2
            bytes[start] = UInt8(ascii: "\r")
            bytes[start + 1] = UInt8(ascii: "\n")
            var size = length
            repeat {
                start -= 1
                let digit = UInt8(truncatingIfNeeded: size & 0xF)
                bytes[start] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit
                size >>= 4
            } while size > 0
            return start
        }
        buffer.moveReaderIndex(to: start)
        payload = buffer.getSlice(at: Self.headerRoom, length: length)!
        chunked = buffer
    }

    /// Whether the event wrote no bytes at all.
    public var isEmpty: Bool { payload.readableBytes == 0 }
}
