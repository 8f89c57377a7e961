public import NIOCore
public import NIOHTTP1

/// A complete HTTP request as the application sees it: for a stream client or a
/// plain handler.
public struct Request: Sendable {
    public var method: HTTPMethod
    public var version: HTTPVersion
    /// The target as sent (`/countdown?from=3`).
    public var uri: String
    /// The path part of the target, without the query (and, for a target in
    /// absolute-form, without its scheme and authority).
    public var path: String
    /// The query parameters, percent-decoded (`+` is a space); the last of a repeated name wins.
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// The peer's address, if it has one (a simulated request has none).
    public var peer: SocketAddress?
    /// The protocol that carried the request: `http/1.1`, `http/1.0` or `h2`.
    public var protocolName: String

    public init(head: HTTPRequestHead, body: ByteBuffer = ByteBuffer(), peer: SocketAddress? = nil) {
        self.method = head.method
        self.version = head.version
        self.uri = head.uri
        let (path, query) = Self.split(head.uri)
        self.path = String(path)
        self.query = query.map(Self.parseQuery) ?? [:]
        // A copy as large as its headers: NIO's decoder makes room for 16 (about
        // 550 bytes), and a stream keeps its request as long as it is open.
        self.headers = HTTPHeaders(head.headers.map { ($0.name, $0.value) })
        self.body = body
        self.peer = peer
        self.protocolName = head.version.major == 1 && head.version.minor == 0 ? "http/1.0" : "http/1.1"
    }

    /// The peer's IP address (`client.remote`), or "" without a peer. Written out
    /// when asked, which most requests never are: `inet_ntop` for each one cost
    /// a storm's connections 2% of their instructions.
    public var remoteAddress: String { peer?.ipAddress ?? "" }

    /// The id the client last saw: the `Last-Event-ID` header, else the
    /// `lastEventId` query parameter (for clients that cannot set headers).
    public var lastEventID: String? {
        headers.first(name: "last-event-id") ?? query["lastEventId"]
    }

    /// The cookies of the `Cookie` header(s) by name (`a=1; b=2`), values as sent
    /// (surrounding double quotes removed); the first of a repeated name wins, as
    /// browsers send the most specific cookie first (RFC 6265 §5.4).
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for header in headers["cookie"] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = parts[0].trimmingCharacters(in: " \t")
                guard !name.isEmpty, parts.count == 2, cookies[name] == nil else { continue }
                var value = parts[1].trimmingCharacters(in: " \t")
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast())
                }
                cookies[name] = value
            }
        }
        return cookies
    }

    /// The path and query of a request target: of origin-form (`/sse?x=1`) and
    /// absolute-form (`http://host/sse?x=1`) alike; other forms are their own path.
    static func split(_ uri: String) -> (path: Substring, query: Substring?) {
        guard case .path(let path, let query) = RequestTarget(uri) else { return (Substring(uri), nil) }
        return (path, query)
    }

    static func parseQuery(_ query: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[percentDecoded(parts[0])] = parts.count > 1 ? percentDecoded(parts[1]) : ""
        }
        return result
    }

    /// `%XX` decoded and `+` as a space; malformed escapes are kept as they are and
    /// invalid UTF-8 is replaced, so any input gives a string.
    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        var pending: [UInt8] = []
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                pending = [byte]
                guard let high = iterator.next() else {
                    bytes += pending
                    continue
                }
                pending.append(high)
                guard let low = iterator.next() else {
                    bytes += pending
                    continue
                }
                pending.append(low)
                if let h = hexValue(high), let l = hexValue(low) { bytes.append(h << 4 | l) } else { bytes += pending }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Substring {
    /// Without the given characters at either end.
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
