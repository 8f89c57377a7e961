import NIOCore
import NIOHTTP1

/// A plain HTTP response (not a stream).
public struct Response: Sendable {
    public var status: HTTPResponseStatus
    public var headers: [(String, String)]
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: [(String, String)] = [], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A one-line `text/plain` response: the message and a line feed.
    public init(status: HTTPResponseStatus, text: String) {
        self.init(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8")],
            body: ByteBuffer(string: text.hasSuffix("\n") ? text : text + "\n")
        )
    }

    /// Why a header cannot be sent as given, or nil when it can: the name must be
    /// an HTTP token and the value must not hold CR, LF or NUL (no header injection).
    public static func problem(name: String, value: String) -> String? {
        if name.isEmpty || !name.utf8.allSatisfy(isTokenByte) { return "invalid header name \"\(name)\"" }
        if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
            return "header \(name) must not contain CR, LF or NUL"
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// The response's bytes. Headers that cannot be sent safely are left out;
    /// `Content-Length` and `Connection` are the server's.
    func encoded(version: HTTPVersion, keepAlive: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let hasBody = status.mayHaveResponseBody
        var buffer = allocator.buffer(capacity: 128 + body.readableBytes)
        buffer.writeString("HTTP/1.\(version.minor == 0 ? 0 : 1) \(status.code) \(status.reasonPhrase)\r\n")
        for (name, value) in headers where Self.problem(name: name, value: value) == nil {
            let lower = name.lowercased()
            if lower == "content-length" || lower == "connection" || lower == "transfer-encoding" { continue }
            buffer.writeString("\(name): \(value)\r\n")
        }
        if hasBody { buffer.writeString("Content-Length: \(body.readableBytes)\r\n") }
        if !keepAlive {
            buffer.writeStaticString("Connection: close\r\n")
        } else if version.minor == 0 {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        if hasBody { buffer.writeImmutableBuffer(body) }
        return buffer
    }
}

extension HTTPResponseStatus {
    /// 1xx, 204 and 304 responses carry no body.
    var mayHaveResponseBody: Bool {
        !(code < 200 || code == 204 || code == 304)
    }
}
