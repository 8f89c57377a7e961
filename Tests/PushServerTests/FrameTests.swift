import EventStream
import NIOCore
import Testing

@testable import PushServer

/// A frame is the event encoded once: its chunked form and its payload are the
/// same bytes in memory.
@Suite struct FrameTests {
    /// Regression: framing wrote the chunk size after slicing the payload, so the
    /// write copied the whole storage and every frame (in every history) was held twice.
    @Test func theChunkAndThePayloadShareOneStorage() throws {
        let frames = [
            try Frame(ServerSentEvent(data: String(repeating: "x", count: 5000), id: "1")),
            Frame(raw: ": heartbeat\n"),
            Frame(encoded: ByteBuffer(string: "data: y\n\n"), id: "2"),
        ]
        for frame in frames {
            let header = String(frame.payload.readableBytes, radix: 16).utf8.count + 2
            let chunk = frame.chunked.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
            let payload = frame.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
            #expect(payload == chunk + UInt(header), "the payload is inside the chunk, not a copy")
            #expect(frame.chunked.readableBytes == header + frame.payload.readableBytes + 2)
            #expect(String(buffer: frame.chunked).hasSuffix(String(buffer: frame.payload) + "\r\n"))
        }
    }
}
