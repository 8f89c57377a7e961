public import NIOCore

extension Frame {
    /// The event `data: <bytes>`, framed, when `bytes` can go on the wire as they
    /// are, as one data line: ASCII without CR or LF, the common case of
    /// `client:send("text")`. Nil otherwise: the general encoder then splits the
    /// lines and replaces invalid UTF-8. Saves making a string and an event of it.
    public init?(dataLine bytes: UnsafeRawBufferPointer, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 && $0 != 0x0A && $0 != 0x0D }) else { return nil }
        var buffer = allocator.buffer(capacity: Self.headerRoom + bytes.count + 10)
        buffer.moveWriterIndex(forwardBy: Self.headerRoom)
        buffer.writeStaticString("data: ")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\n\n")
        self.init(framing: consume buffer, id: nil)
    }
}
