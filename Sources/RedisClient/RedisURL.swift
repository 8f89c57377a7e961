/// Where and how to reach Redis: `redis://[user:password@]host[:port][/db]`.
///
/// Read as `redis-cli -u` reads it: userinfo without a colon is a password
/// (`redis://secret@host`), an empty user means the password alone
/// (`redis://:secret@host`); percent-escapes in user and password are decoded;
/// the port defaults to 6379 and the database to 0. An IPv6 host goes in brackets
/// (`redis://[::1]:6379`). TLS (`rediss://`) is not supported.
public struct RedisURL: Sendable, Hashable {
    /// Host name or address (IPv6 without its brackets).
    public var host: String
    /// TCP port.
    public var port: Int
    /// ACL user for `AUTH user password` (Redis 6+); nil sends `AUTH password`.
    public var user: String?
    /// Password for `AUTH`; nil sends no `AUTH`.
    public var password: String?
    /// Database chosen with `SELECT` on connect when not 0.
    public var database: Int

    public init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses `text`, throwing a ``ParseError`` that says what is wrong.
    public init(parsing text: String) throws(ParseError) {
        guard let schemeEnd = text.firstRange(of: "://") else { throw ParseError(text, "expected redis://host:port") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis" else {
            throw ParseError(
                text, scheme == "rediss" ? "TLS (rediss://) is not supported" : "the scheme must be redis://")
        }
        var rest = text[schemeEnd.upperBound...]
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            (user, password) = try Self.credentials(rest[..<at], in: text)
            rest = rest[rest.index(after: at)...]
        }
        let (host, port) = try Self.endpoint(rest, in: text)
        self.init(host: host, port: port, user: user, password: password, database: try Self.database(path, in: text))
    }

    private static func credentials(_ userinfo: Substring, in text: String) throws(ParseError) -> (String?, String?) {
        guard let colon = userinfo.firstIndex(of: ":") else {
            return (nil, try decode(userinfo, in: text))
        }
        let user = try decode(userinfo[..<colon], in: text)
        let password = try decode(userinfo[userinfo.index(after: colon)...], in: text)
        return (user.isEmpty ? nil : user, password)
    }

    private static func endpoint(_ authority: Substring, in text: String) throws(ParseError) -> (String, Int) {
        var host = authority
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw ParseError(text, "unclosed [ in the host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ParseError(text, "expected :port after ]") }
                port = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ParseError(text, "the host is missing") }
        guard let port else { return (String(host), 6379) }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw ParseError(text, "the port must be a number from 1 to 65535, not '\(port)'")
        }
        return (String(host), number)
    }

    private static func database(_ path: Substring, in text: String) throws(ParseError) -> Int {
        if path.isEmpty { return 0 }
        guard let number = Int(path), number >= 0 else {
            throw ParseError(text, "the database must be a number (0, 1, …), not '\(path)'")
        }
        return number
    }

    /// Decodes `%XX` escapes.
    private static func decode(_ part: Substring, in text: String) throws(ParseError) -> String {
        var bytes: [UInt8] = []
        var iterator = part.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw ParseError(text, "a % in the user or password must be followed by two hex digits")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A Redis URL that cannot be used, and why.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The text as given (its password, if any, masked).
        public let url: String
        /// What is wrong, in a sentence.
        public let reason: String

        init(_ url: String, _ reason: String) {
            self.url = RedisURL.masked(url)
            self.reason = reason
        }

        public var description: String { "invalid Redis URL '\(url)': \(reason)" }
    }
}

extension RedisURL: CustomStringConvertible {
    /// The URL with its password masked, fit for logs.
    public var description: String {
        var text = "redis://"
        if password != nil { text += (user ?? "") + ":***@" }
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)"
        if database != 0 { text += "/\(database)" }
        return text
    }

    /// `text` with whatever stands between `://` and the last `@` reduced to the user.
    fileprivate static func masked(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"), at > schemeEnd.upperBound
        else {
            return text
        }
        let userinfo = text[schemeEnd.upperBound..<at]
        let user = userinfo.firstIndex(of: ":").map { userinfo[..<$0] } ?? ""
        return text[..<schemeEnd.upperBound] + user + ":***" + text[at...]
    }
}
