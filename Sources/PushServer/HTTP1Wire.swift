import NIOCore
import NIOHTTP1

/// How an HTTP/1 connection writes its answers: the one place that turns a
/// `Response`, a stream head and a stream's frames into bytes. HTTP/1.1 streams
/// are chunked; HTTP/1.0 streams are delimited by the connection's close.
///
/// CORS headers are added here, from the request's `Origin`, so every response
/// the connection writes (the server's refusals, the script's answers, stream
/// heads) gets them the same way.
struct HTTP1Wire {
    /// HTTP/1.0 (`true`) or HTTP/1.1.
    var isHTTP10 = false
    /// The `Origin` of the current request, if it had one.
    var origin: String?
    let cors: CORSPolicy

    init(cors: CORSPolicy) {
        self.cors = cors
    }

    /// Takes the version and origin of a new request.
    mutating func begin(_ head: HTTPRequestHead) {
        isHTTP10 = head.isHTTP10
        origin = head.headers.first(name: "origin")
    }

    private var statusLinePrefix: StaticString { isHTTP10 ? "HTTP/1.0 " : "HTTP/1.1 " }

    /// A complete response. Headers that cannot be sent safely are left out;
    /// `Content-Length`, `Connection` and `Transfer-Encoding` are the server's.
    func bytes(of response: Response, keepAlive: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let hasBody = response.status.mayHaveResponseBody
        var buffer = allocator.buffer(capacity: 128 + response.body.readableBytes)
        buffer.writeStaticString(statusLinePrefix)
        buffer.writeString("\(response.status.code) \(response.status.reasonPhrase)\r\n")
        for (name, value) in response.wireHeaders(cors: cors, origin: origin) {
            buffer.writeString("\(name): \(value)\r\n")
        }
        if hasBody { buffer.writeString("Content-Length: \(response.body.readableBytes)\r\n") }
        writeConnection(keepAlive: keepAlive, to: &buffer)
        buffer.writeStaticString("\r\n")
        if hasBody { buffer.writeImmutableBuffer(response.body) }
        return buffer
    }

    /// The head of a stream: chunked for HTTP/1.1, close-delimited for HTTP/1.0.
    func streamHead(keepAlive: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeStaticString(statusLinePrefix)
        buffer.writeStaticString(
            "200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
        )
        if isHTTP10 {
            buffer.writeStaticString("Connection: close\r\n")
        } else {
            if !keepAlive { buffer.writeStaticString("Connection: close\r\n") }
            buffer.writeStaticString("Transfer-Encoding: chunked\r\n")
        }
        if let origin {
            for (name, value) in cors.headers(origin: origin) { buffer.writeString("\(name): \(value)\r\n") }
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// A frame as this connection's streams carry it.
    func bytes(of frame: Frame) -> ByteBuffer { isHTTP10 ? frame.payload : frame.chunked }

    /// The bytes that end a stream: the last chunk, or nothing (the close ends it).
    var streamEnd: ByteBuffer { isHTTP10 ? ByteBuffer() : ByteBuffer(staticString: "0\r\n\r\n") }

    private func writeConnection(keepAlive: Bool, to buffer: inout ByteBuffer) {
        if !keepAlive {
            buffer.writeStaticString("Connection: close\r\n")
        } else if isHTTP10 {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
    }
}

/// The first bytes of every stream's body, flushed with the head so proxies pass
/// the stream on.
enum StreamGreeting {
    static let frame = Frame(raw: ": ok\n")
}
