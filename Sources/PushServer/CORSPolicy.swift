import NIOHTTP1

/// Which web pages from another origin may read the server's streams and
/// responses (CORS): `EventSource` and `fetch` from a front-end on another port.
///
/// An allowed origin gets `Access-Control-Allow-Origin` (its own origin echoed,
/// with `Vary: Origin`, or `*`); any other origin gets no CORS header at all, and
/// the browser keeps the response from the page. No credentials are allowed.
public struct CORSPolicy: Sendable, Equatable {
    enum Rule: Sendable, Equatable {
        /// `http(s)://localhost`, `127.0.0.1` or `[::1]`, on any port.
        case loopback
        /// Every origin: `Access-Control-Allow-Origin: *`.
        case any
        /// Exactly these origins.
        case origins(Set<String>)
    }

    let rule: Rule

    /// The default: pages served from this machine (`http://localhost:5173`,
    /// `http://127.0.0.1:3000`, `http://[::1]:8000`, on http or https) may read
    /// the streams; a website elsewhere may not.
    public static let loopback = CORSPolicy(rule: .loopback)
    /// Every origin may read the streams (`--cors '*'`).
    public static let anyOrigin = CORSPolicy(rule: .any)
    /// Exactly these origins (`--cors https://app.example.com`), compared as sent.
    public static func origins(_ origins: some Sequence<String>) -> CORSPolicy {
        CORSPolicy(rule: .origins(Set(origins)))
    }

    /// Whether a page from `origin` may read responses.
    public func allows(_ origin: String) -> Bool {
        switch rule {
        case .any: true
        case .origins(let origins): origins.contains(origin)
        case .loopback: Self.isLoopback(origin)
        }
    }

    /// The headers a response to a request from `origin` carries: none when the
    /// origin is not allowed.
    public func headers(origin: String) -> [(String, String)] {
        guard allows(origin) else { return [] }
        if rule == .any { return [("Access-Control-Allow-Origin", "*")] }
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    }

    /// The answer to a preflight (`OPTIONS` with `Origin`) for a path that accepts
    /// `methods`: `204`, and the CORS headers if the origin is allowed.
    func preflight(origin: String, methods: [String], requestHeaders: String?) -> Response {
        var response = Response(status: .noContent)
        guard allows(origin) else { return response }
        // The headers the page asked for (echoed), and Last-Event-ID for resuming.
        var allowedHeaders = (requestHeaders ?? "").split(separator: ",").map(\.trimmingSpaces).filter { !$0.isEmpty }
        if !allowedHeaders.contains(where: { $0.lowercased() == "last-event-id" }) {
            allowedHeaders.append("Last-Event-ID")
        }
        response.headers = headers(origin: origin)
        response.headers.append(("Access-Control-Allow-Methods", methods.joined(separator: ", ")))
        response.headers.append(("Access-Control-Allow-Headers", allowedHeaders.joined(separator: ", ")))
        response.headers.append(("Access-Control-Max-Age", "600"))
        return response
    }

    /// `http(s)://localhost`, `127.0.0.1` or `[::1]` with an optional port, and nothing else.
    static func isLoopback(_ origin: String) -> Bool {
        let lower = origin.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = lower.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = lower.dropFirst(8)
        } else {
            return false
        }
        for host in ["localhost", "127.0.0.1", "[::1]"] where rest.hasPrefix(host) {
            let port = rest.dropFirst(host.count)
            if port.isEmpty { return true }
            guard port.first == ":" else { return false }
            let digits = port.dropFirst()
            return (1...5).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }

    /// Whether `text` is an origin as browsers send it (`scheme://host[:port]`,
    /// no path), or `*`: what `--cors` accepts.
    public static func isValidOrigin(_ text: String) -> Bool {
        if text == "*" { return true }
        guard let separator = text.firstRange(of: "://") else { return false }
        let scheme = text[..<separator.lowerBound]
        let authority = text[separator.upperBound...]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
        else {
            return false
        }
        return !authority.isEmpty && !authority.contains { "/?#@ ".contains($0) }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension Response {
    /// Adds the CORS headers `policy` gives `origin`, unless the response sets
    /// `Access-Control-Allow-Origin` itself (a script's own choice wins).
    mutating func addCORSHeaders(_ policy: CORSPolicy, origin: String) {
        guard !headers.contains(where: { $0.0.lowercased() == "access-control-allow-origin" }) else { return }
        headers.append(contentsOf: policy.headers(origin: origin))
    }
}
