import NIOCore
import NIOHTTP1
import NIOPosix
public import Scripting
import Synchronization

/// The listener of `--metrics HOST:PORT`, apart from the streams' port so a
/// public stream port never shows it: `GET /metrics` (the Prometheus text
/// format, brought up to date first) and `GET /healthz` (200 `ok` while serving,
/// 503 with the reason while starting, stopping or, in a cluster, while Redis is
/// unreachable). HTTP/1.1 with keep-alive, through NIO's HTTP server pipeline, on
/// an event loop of its own.
public final class MetricsListener: Sendable {
    public let host: String
    public let port: Int
    private let exporter: PrometheusExporter
    private let server: ScriptServer
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let serving = Mutex<Task<Void, Never>?>(nil)

    public init(host: String, port: Int, exporter: PrometheusExporter, server: ScriptServer) {
        self.host = host
        self.port = port
        self.exporter = exporter
        self.server = server
    }

    /// Starts listening; returns the port (useful with port 0).
    public func start() async throws -> Int {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = channel.channel.localAddress?.port ?? port
        let answers = MetricsAnswers(exporter: exporter, server: server)
        let task = Task<Void, Never> {
            _ = try? await channel.executeThenClose { connections in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in connections {
                            group.addTask { await answers.serve(connection) }
                        }
                    } catch {}
                }
            }
        }
        serving.withLock { $0 = task }
        return boundPort
    }

    /// Stops listening and closes its connections.
    public func stop() async {
        let task = serving.withLock { current in
            defer { current = nil }
            return current
        }
        task?.cancel()
        await task?.value
        try? await group.shutdownGracefully()
    }
}

/// The two answers, for one connection at a time.
struct MetricsAnswers: Sendable {
    let exporter: PrometheusExporter
    let server: ScriptServer

    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let requestHead): head = requestHead
                case .body: break
                case .end:
                    guard let request = head else { return }
                    let (status, type, body) = await answer(request)
                    var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", "\(body.readableBytes)")])
                    if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
                    try await outbound.write(
                        .head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(body)))
                    try await outbound.write(.end(nil))
                    if !request.isKeepAlive { return }
                    head = nil
                }
            }
        }
    }

    private func answer(_ request: HTTPRequestHead) async -> (HTTPResponseStatus, String, ByteBuffer) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        guard request.method == .GET else {
            return (.methodNotAllowed, "text/plain; charset=utf-8", ByteBuffer(string: "GET only\n"))
        }
        switch path {
        case "/metrics":
            await server.reportMetrics()
            return (.ok, PrometheusExporter.contentType, ByteBuffer(bytes: exporter.render()))
        case "/healthz":
            switch server.health {
            case .serving: return (.ok, "text/plain; charset=utf-8", ByteBuffer(string: "ok\n"))
            case .unavailable(let reason):
                return (.serviceUnavailable, "text/plain; charset=utf-8", ByteBuffer(string: reason + "\n"))
            }
        default:
            return (.notFound, "text/plain; charset=utf-8", ByteBuffer(string: "/metrics and /healthz only\n"))
        }
    }
}
