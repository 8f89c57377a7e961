public import NIOCore

extension Frame {
    /// The event `data: <bytes>`, framed, when `bytes` can go on the wire as they
    /// are, as one data line: ASCII without CR or LF, the common case of
    /// `client:send("text")`. Nil otherwise: the general encoder then splits the
    /// lines and replaces invalid UTF-8. Saves making a string and an event of it.
    public init?(dataLine bytes: UnsafeRawBufferPointer, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 && $0 != 0x0A && $0 != 0x0D }) else { return nil }
        let prefix: StaticString = "data: "
        let length = prefix.utf8CodeUnitCount + bytes.count + 2
        var buffer = allocator.buffer(capacity: Self.headerRoom + length + 2)
        buffer.moveWriterIndex(forwardBy: Self.headerRoom)
        // One copy into the buffer, not three writes that each check its bounds and uniqueness.
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            let start = out.baseAddress!
            start.copyMemory(from: prefix.utf8Start, byteCount: prefix.utf8CodeUnitCount)
            (start + prefix.utf8CodeUnitCount).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            out[length - 2] = UInt8(ascii: "\n")
            out[length - 1] = UInt8(ascii: "\n")
            return length
        }
        self.init(framing: consume buffer, id: nil)
    }
}
