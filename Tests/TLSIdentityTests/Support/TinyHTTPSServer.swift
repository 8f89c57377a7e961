import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import TLSIdentity

/// A TLS server on 127.0.0.1 (a free port) that takes each new connection's context from a store and answers
/// every HTTP/1.1 request head with `200` and a body naming the ALPN protocol the handshake chose.
final class TinyHTTPSServer {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    init(store: CertificateStore) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: store.current))
                    try channel.pipeline.syncOperations.addHandler(TinyHTTPResponder())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = channel.localAddress?.port ?? 0
    }

    /// Runs `body` against a server for `store`, then stops the server, whether `body` threw or not.
    static func with<Result>(
        _ store: CertificateStore,
        _ body: (TinyHTTPSServer) async throws -> Result
    ) async throws -> Result {
        let server = try await TinyHTTPSServer(store: store)
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Answers each request head (bytes up to a blank line) with `ok <alpn>`; keeps the connection open.
private final class TinyHTTPResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var received = ""
    private var negotiatedProtocol = "none"

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let negotiated) = event {
            negotiatedProtocol = negotiated ?? "none"
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readString(length: buffer.readableBytes) ?? ""
        while let end = received.range(of: "\r\n\r\n") {
            received.removeSubrange(..<end.upperBound)
            let body = "ok \(negotiatedProtocol)\n"
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            context.write(wrapOutboundOut(ByteBuffer(string: response + body)), promise: nil)
        }
        context.flush()
    }
}
