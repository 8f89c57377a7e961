/// The four forms of an HTTP request target (RFC 9112 §3.2), read from the
/// request line as sent.
///
/// - origin-form, `/sse?x=1`: what clients send to an origin server;
/// - absolute-form, `http://host/sse?x=1`: what clients send to a proxy, and what
///   a server must accept too (§3.2.2); its path and query are routed as if they
///   came in origin-form, and its authority is ignored, as the `Host` header is;
/// - authority-form, `host:443`: only for `CONNECT`, which asks a proxy for a
///   tunnel (this server is not one);
/// - asterisk-form, `*`: only for `OPTIONS`, about the server as a whole.
///
/// A few lines of parsing rather than a URL library: the only question is where
/// the path starts, and Foundation's `URL` would also accept what a request line
/// must not hold.
enum RequestTarget: Equatable {
    /// A path (always starting with `/`) and the query after `?`, if any.
    case path(Substring, query: Substring?)
    /// `*` (asterisk-form).
    case asterisk
    /// `host:port` (authority-form).
    case authority
    /// Anything else: not a request target.
    case invalid

    init(_ target: String) {
        var target = Substring(target)
        if let hash = target.utf8.firstIndex(of: UInt8(ascii: "#")) { target = target[..<hash] }
        if target == "*" {
            self = .asterisk
        } else if target.utf8.first == UInt8(ascii: "/") {
            self = Self.split(target)
        } else if let rest = Self.afterHTTPScheme(target) {
            // absolute-form: the authority runs to the first `/` or `?`.
            let pathStart = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let authority = rest[..<pathStart]
            guard !authority.isEmpty else {
                self = .invalid
                return
            }
            let pathAndQuery = rest[pathStart...]
            self = pathAndQuery.hasPrefix("/") ? Self.split(pathAndQuery) : Self.split("/" + pathAndQuery)
        } else if Self.isAuthority(target) {
            self = .authority
        } else {
            self = .invalid
        }
    }

    /// The path, or nil when the target has none (`*`, `host:port`, invalid).
    var path: Substring? {
        if case .path(let path, _) = self { return path }
        return nil
    }

    /// Searched byte by byte: a request target is ASCII (RFC 9112 §3.2), and walking
    /// its `Character`s, which breaks graphemes, cost a storm's connection 4% of its
    /// instructions (two targets each: the route's and the request's).
    private static func split(_ target: Substring) -> RequestTarget {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return .path(target, query: nil) }
        return .path(target[..<mark], query: target[target.utf8.index(after: mark)...])
    }

    /// What follows `http://` or `https://` (the scheme in any case), or nil.
    private static func afterHTTPScheme(_ target: Substring) -> Substring? {
        for scheme in ["http://", "https://"] {
            let prefix = target.prefix(scheme.utf8.count)
            if prefix.lowercased() == scheme { return target.dropFirst(scheme.utf8.count) }
        }
        return nil
    }

    /// `host:port`, the host a name, an IPv4 address or a bracketed IPv6 address.
    private static func isAuthority(_ target: Substring) -> Bool {
        guard let colon = target.lastIndex(of: ":") else { return false }
        let host = target[..<colon]
        let port = target[target.index(after: colon)...]
        guard !host.isEmpty, !port.isEmpty, port.allSatisfy(\.isASCIIDigit) else { return false }
        if host.hasPrefix("[") { return host.hasSuffix("]") }
        return host.allSatisfy { $0.isASCIIDigit || $0.isASCIILetter || $0 == "." || $0 == "-" }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
