import NIOCore
import NIOHTTP1

/// How an HTTP/2 stream writes its answers, as the parts swift-nio-http2's
/// HTTP/1 codec turns into HEADERS and DATA frames: the HTTP/2 counterpart of
/// `HTTP1Wire`, with the same headers and CORS rules. A stream's frames are DATA
/// frames of the event alone (no chunk framing); its end is END_STREAM.
struct HTTP2Wire {
    /// The `Origin` of the stream's request, if it had one.
    var origin: String?
    let cors: CORSPolicy

    init(cors: CORSPolicy) {
        self.cors = cors
    }

    mutating func begin(_ head: HTTPRequestHead) {
        origin = head.headers.first(name: "origin")
    }

    /// A complete response's head (with its `content-length`) and body, if it has one.
    func parts(of response: Response) -> (HTTPResponseHead, ByteBuffer?) {
        var headers = HTTPHeaders(response.wireHeaders(cors: cors, origin: origin))
        let hasBody = response.status.mayHaveResponseBody
        if hasBody { headers.add(name: "content-length", value: "\(response.body.readableBytes)") }
        let head = HTTPResponseHead(version: .http2, status: response.status, headers: headers)
        return (head, hasBody ? response.body : nil)
    }

    /// The head of a stream.
    func streamHead() -> HTTPResponseHead {
        var headers = HTTPHeaders([
            ("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache"),
            ("x-accel-buffering", "no"),
        ])
        if let origin { headers.add(contentsOf: cors.headers(origin: origin)) }
        return HTTPResponseHead(version: .http2, status: .ok, headers: headers)
    }
}

extension HTTPVersion {
    static let http2 = HTTPVersion(major: 2, minor: 0)
}
