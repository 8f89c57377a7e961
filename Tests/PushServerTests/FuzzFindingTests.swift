@_spi(Fuzzing) import PushServer
import Testing

/// Inputs the fuzzer found (Fuzz/HTTPRequest), replayed through the same entry
/// point: each ran into a trap, or left something behind, before its fix.
@Suite struct FuzzFindingTests {
    /// An HTTP/2 request answered while its HEADERS frame was being delivered:
    /// swift-nio-http2 reported the stream's close without its creation, and the
    /// connection manager's assertion stopped a debug build (`StreamDelegateGuard`).
    @Test func anHTTP2StreamClosedBeforeItsCreationWasReported() {
        let input: [UInt8] =
            [0xF1] + Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [
                0x00, 0x00, 0x2A, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x02,
                0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x05, 0x00, 0x00, 0x40, 0x00, 0x13,
                0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00,
                0x00, 0x00, 0x0A, 0x01, 0x04, 0x00, 0x00, 0x00, 0x01, 0x82, 0x44, 0x83, 0x71, 0x08, 0x2F, 0x86, 0x61,
                0x81, 0xF3,
            ]
        input.withUnsafeBytes { ConnectionFuzzing().run($0) }
    }

    /// Bytes that do not parse after a stream's request: the hub kept the client.
    @Test func garbageAfterAStreamRequest() {
        let input = [UInt8(0x40)] + Array("GET http://example.com/sse HTTP/1.1\r\n\r\nOPost:3000\r\n\r\n".utf8)
        input.withUnsafeBytes { ConnectionFuzzing().run($0) }
    }

    /// A stream request pipelined behind a denied one: a stream slot leaked.
    @Test func aStreamPipelinedBehindADeniedOne() {
        let input = [UInt8(0x20)] + Array("GET /deny HTTP/1.1\r\n\r\nGET /both HTTP/1.1\r\n\r\n".utf8)
        input.withUnsafeBytes { ConnectionFuzzing().run($0) }
    }
}
