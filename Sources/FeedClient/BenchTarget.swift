// The endpoint a load test connects to: parsed once from its URL.

internal import Foundation
internal import NIOCore

/// Where `ssescript bench` connects and what it asks for: scheme, host, port, path and query.
public struct BenchTarget: Sendable, Hashable {
    public var url: String
    public var usesTLS: Bool
    public var host: String
    public var port: Int
    /// The path and query, as sent on the request line (`/tick?ms=1000`).
    public var pathAndQuery: String

    /// Parses an `http://` or `https://` URL; the port defaults to 80 or 443.
    public init(url: String) throws(FeedError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw .badURL("the URL must start with http:// or https://, not \"\(url)\"")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .badURL("the URL \"\(url)\" has no host")
        }
        self.url = url
        usesTLS = scheme == "https"
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (usesTLS ? 443 : 80)
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        pathAndQuery = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// `host:port` as the `Host` header and `:authority` say it (IPv6 in brackets).
    public var authority: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port == (usesTLS ? 443 : 80) ? bracketed : "\(bracketed):\(port)"
    }

    /// The host's address (resolved once, before any connection).
    func resolve() throws -> SocketAddress {
        try SocketAddress.makeAddressResolvingHost(host, port: port)
    }

    /// The TLS server name: the host, unless it is an IP address (SNI takes names only).
    var serverName: String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }
}
