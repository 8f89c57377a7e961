public import NIOCore
public import NIOHTTP1

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

    /// The headers to send: those that can be sent safely, without the ones the
    /// server sets itself (`Content-Length`, `Connection`, `Transfer-Encoding`),
    /// with the CORS headers `cors` gives `origin` unless the response set its own.
    func wireHeaders(cors: CORSPolicy, origin: String?) -> [(String, String)] {
        var response = self
        if let origin { response.addCORSHeaders(cors, origin: origin) }
        return response.headers.filter { name, value in
            guard Self.problem(name: name, value: value) == nil else { return false }
            let lower = name.lowercased()
            return lower != "content-length" && lower != "connection" && lower != "transfer-encoding"
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension HTTPResponseStatus {
    /// 1xx, 204 and 304 responses carry no body.
    var mayHaveResponseBody: Bool {
        !(code < 200 || code == 204 || code == 304)
    }
}
