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

    /// The chunk size is written in place, digit by digit: each length is its hex.
    @Test(arguments: [1, 9, 10, 15, 16, 255, 256, 4095, 4096, 65_536, 1_048_575])
    func theChunkSizeIsTheEventsLengthInHex(length: Int) {
        let frame = Frame(raw: String(repeating: "z", count: length))
        #expect(String(buffer: frame.chunked).hasPrefix(String(length, radix: 16) + "\r\nz"))
        #expect(frame.chunked.readableBytes == String(length, radix: 16).utf8.count + 2 + length + 2)
    }

    @Test func aDataLineIsFramedAsTheGeneralEncoderFramesIt() throws {
        let line = try #require(Array("12345 tick".utf8).withUnsafeBytes { Frame(dataLine: $0) })
        let general = try Frame(ServerSentEvent(data: "12345 tick"))
        #expect(String(buffer: line.chunked) == "12\r\ndata: 12345 tick\n\n\r\n")
        #expect(String(buffer: line.chunked) == String(buffer: general.chunked))
    }
}
