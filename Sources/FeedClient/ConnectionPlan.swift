// What every connection of a load test shares: where to connect, how, and the request it sends.

internal import NIOCore
internal import NIOHPACK
internal import NIOHTTP1
internal import NIOPosix
internal import NIOSSL

#if canImport(Glibc)
    internal import Glibc
#endif

/// Everything a loop needs to open its connections; made once, shared by all loops.
struct ConnectionPlan: Sendable {
    let target: BenchTarget
    let address: SocketAddress
    let tls: NIOSSLContext?
    let http2: Bool
    let streamsPerConnection: Int
    /// The HTTP/1.1 request, encoded once: every connection writes these same bytes.
    let http1Request: ByteBuffer
    let http2Request: HPACKHeaders
    /// Local addresses to spread connections over (empty: the kernel picks): on loopback, Linux's
    /// port search for `connect()` gets slow past about 10,000 connections to one address and
    /// port, so `ssebench` binds one source address per 4,000 connections, and so does this.
    let sourceAddresses: [SocketAddress]
    /// Close with RST (`SO_LINGER` 0), as `ssebench` does on loopback: no TIME_WAIT piles up
    /// between runs. Only for loopback targets: a remote server sees a normal close.
    let resetsOnClose: Bool

    init(
        target: BenchTarget, connections: Int, http2: Bool, streamsPerConnection: Int, headers: HTTPHeaders,
        skipsCertificateVerification: Bool
    ) throws {
        self.target = target
        address = try target.resolve()
        self.http2 = http2
        self.streamsPerConnection = streamsPerConnection
        if target.usesTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.applicationProtocols = http2 ? ["h2"] : ["http/1.1"]
            if skipsCertificateVerification { configuration.certificateVerification = .none }
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
        var fields: HTTPHeaders = [
            "Host": target.authority, "Accept": "text/event-stream", "Cache-Control": "no-cache",
            "User-Agent": "ssescript-bench",
        ]
        for (name, value) in headers { fields.replaceOrAdd(name: name, value: value) }
        var request = "GET \(target.pathAndQuery) HTTP/1.1\r\n"
        for (name, value) in fields { request += "\(name): \(value)\r\n" }
        http1Request = ByteBuffer(string: request + "\r\n")
        var pseudo: HPACKHeaders = [
            ":method": "GET", ":scheme": target.usesTLS ? "https" : "http", ":authority": target.authority,
            ":path": target.pathAndQuery,
        ]
        for (name, value) in fields where name.lowercased() != "host" {
            pseudo.add(name: name.lowercased(), value: value)
        }
        http2Request = pseudo
        let loopback = address.protocol == .inet && (address.ipAddress?.hasPrefix("127.") ?? false)
        let tcpConnections = http2 ? (connections + streamsPerConnection - 1) / streamsPerConnection : connections
        let count = loopback && tcpConnections > 4000 ? min(254, (tcpConnections + 3999) / 4000) : 0
        sourceAddresses = (0..<count).compactMap { try? SocketAddress(ipAddress: "127.0.0.\($0 + 1)", port: 0) }
        resetsOnClose = loopback || address.ipAddress == "::1"
    }

    /// A bootstrap for the `index`th TCP connection, its pipeline made by `initializer`.
    func bootstrap(
        on loop: any EventLoop, index: Int,
        _ initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> ClientBootstrap {
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if !sourceAddresses.isEmpty {
            bootstrap = bootstrap.channelOption(.socket(SocketOptionLevel(IPPROTO_IP), 24), value: 1)  // IP_BIND_ADDRESS_NO_PORT
                .bind(to: sourceAddresses[index % sourceAddresses.count])
        }
        let resetsOnClose = self.resetsOnClose
        return bootstrap.channelInitializer { channel in
            if resetsOnClose, let provider = channel as? SocketOptionProvider {
                _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            }
            return initializer(channel)
        }
    }
}
