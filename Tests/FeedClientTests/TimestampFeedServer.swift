// A small NIO SSE server for the bench tests: timestamped events on HTTP/1.1 or HTTP/2, clear or TLS.

internal import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import NIOHTTP2
internal import NIOPosix
internal import NIOSSL

/// Serves `GET /feed?ms=M&count=N&lag=L&stamp=0|1` on 127.0.0.1 (free port): every M ms an event
/// `id: n` + `data: <CLOCK_REALTIME µs − L> n` (without the stamp when `stamp=0`), N of them, then
/// the stream ends (N = 0: never). Any other path is 404. HTTP/1.1, or HTTP/2 by prior knowledge,
/// or either over TLS with ALPN offering only that protocol.
final class TimestampFeedServer {
    enum Transport {
        case http1
        case http2
    }

    let port: Int
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel

    init(_ transport: Transport, tls: NIOSSLContext? = nil) throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    switch transport {
                    case .http1:
                        try pipeline.configureHTTPServerPipeline()
                        try pipeline.addHandler(FeedHandler())
                    case .http2:
                        _ = try pipeline.configureHTTP2Pipeline(
                            mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
                        ) { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                                try stream.pipeline.syncOperations.addHandler(FeedHandler())
                            }
                        }
                    }
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress!.port!
    }

    /// A TLS context with a fresh self-signed certificate (made by `openssl`), offering `alpn`.
    static func tlsContext(alpn: [String]) throws -> NIOSSLContext {
        let directory = NSTemporaryDirectory() + "feed-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(directory + "/cert.pem").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: directory + "/key.pem", format: .pem)))
        configuration.applicationProtocols = alpn
        return try NIOSSLContext(configuration: configuration)
    }

    func url(_ pathAndQuery: String, scheme: String = "http") -> String {
        "\(scheme)://127.0.0.1:\(port)\(pathAndQuery)"
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// One stream of the feed (an HTTP/1.1 connection or an HTTP/2 stream through the HTTP/1 codec).
private final class FeedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var timer: RepeatedTask?
    private var sent = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data) else { return }
        let url = URLComponents(string: request.uri)
        let query = Dictionary(
            (url?.queryItems ?? []).map { ($0.name, Int($0.value ?? "") ?? 0) }, uniquingKeysWith: { $1 })
        guard url?.path == "/feed" else {
            let head = HTTPResponseHead(version: request.version, status: .notFound, headers: ["content-length": "0"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let head = HTTPResponseHead(
            version: request.version, status: .ok,
            headers: ["content-type": "text/event-stream", "cache-control": "no-cache"])
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        start(
            context: context, every: query["ms"] ?? 100, count: query["count"] ?? 0, lag: query["lag"] ?? 0,
            stamped: query["stamp"] != 0)
    }

    private func start(context: ChannelHandlerContext, every ms: Int, count: Int, lag: Int, stamped: Bool) {
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        let this = NIOLoopBound(self, eventLoop: context.value.eventLoop)
        timer = context.value.eventLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(Int64(ms)), delay: .milliseconds(Int64(ms))
        ) { task in
            this.value.sent += 1
            let sent = this.value.sent
            let stamp = Int64(Date().timeIntervalSince1970 * 1e6) - Int64(lag)
            let data = stamped ? "\(stamp) \(sent)" : "event \(sent)"
            let bytes = context.value.channel.allocator.buffer(string: "id: \(sent)\ndata: \(data)\n\n")
            context.value.writeAndFlush(this.value.wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
            if count > 0, sent >= count {
                task.cancel()
                context.value.writeAndFlush(this.value.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }
}
