import EventStream
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import PushServer

/// One shard, its hub and its connections on an `EmbeddedEventLoop`: time and
/// I/O are under the test's control.
final class EmbeddedServer {
    let loop = EmbeddedEventLoop()
    let configuration: PushServer.Configuration
    let shard: Shard
    let hub: Hub
    let state: ServerState
    let application = RecordingApplication()

    init(
        routes: RouteTable = RouteTable(streams: ["/sse": StreamOptions()], handlers: ["/post": ["POST"]]),
        logger: Logger = Logger(label: "test"),
        configure: (inout PushServer.Configuration) -> Void = { _ in }
    ) {
        var configuration = PushServer.Configuration()
        configure(&configuration)
        self.configuration = configuration
        let metrics = ServerMetrics(factory: configuration.metrics)
        shard = Shard(index: 0, of: 1, loop: loop, configuration: configuration, metrics: metrics)
        hub = Hub(loop: loop, configuration: configuration, shards: [shard], metrics: metrics, logger: logger)
        state = ServerState(configuration: configuration, hub: hub, logger: logger)
        state.routes.withLock { $0 = routes }
        hub.configureTopics(routes.streams)
        hub.application = application
        hub.histories.logger = logger
        shard.start()
    }

    /// A connected client channel with the server's pipeline.
    func connect() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try PushServer.addHandlers(to: channel, shard: shard, state: state)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// Sends bytes as the client, lets the hub and shard run, returns what the server wrote.
    func exchange(_ channel: EmbeddedChannel, _ request: String) throws -> String {
        try channel.writeInbound(ByteBuffer(string: request))
        return try output(channel)
    }

    /// Everything the server has written so far.
    func output(_ channel: EmbeddedChannel) throws -> String {
        loop.run()
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }
}

/// An application that records what the hub tells it and can act on connects.
final class RecordingApplication: PushApplication {
    var connected: [Client] = []
    var disconnected: [Int] = []
    /// Why each disconnected client went, by id.
    var reasons: [Int: DisconnectReason] = [:]
    var requests: [(Request, Exchange)] = []
    var onConnect: (Hub, Client) -> Void = { _, _ in }

    func hub(_ hub: Hub, didConnect client: Client) {
        connected.append(client)
        onConnect(hub, client)
    }

    func hub(_ hub: Hub, didDisconnect client: Client, reason: DisconnectReason) {
        disconnected.append(client.id)
        reasons[client.id] = reason
    }

    func hub(_ hub: Hub, didReceive request: Request, exchange: Exchange) { requests.append((request, exchange)) }
}

/// A chunk of a chunked body as it appears on the wire.
func chunk(_ text: String) -> String { String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n" }

let streamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n"

/// A plain response as the server writes it.
func plain(_ status: String, _ body: String, headers: String = "") -> String {
    "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}
