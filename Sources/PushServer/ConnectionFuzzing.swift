import EventStream
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization

/// The request path of one connection, for a fuzzer (`Fuzz/HTTPRequest`): the
/// real pipeline (`PushServer.addHandlers`: the h2c sniffer, NIO's HTTP/1 decoder
/// or swift-nio-http2, the connection handlers), the real hub and shard, on an
/// embedded loop whose time the fuzzer moves.
///
/// `run` feeds bytes to a new connection in pieces, answers what reaches the
/// hub as an application would (streams opened, sent to, denied or closed,
/// requests answered), publishes, lets time pass, closes the connection, and then
/// traps unless the server is back where it started: no client, endpoint,
/// connection or stream slot left behind.
@_spi(Fuzzing) public final class ConnectionFuzzing {
    private let loop = EmbeddedEventLoop()
    private let shard: Shard
    private let hub: Hub
    private let state: ServerState
    private let application = FuzzingApplication()
    /// Told what the server did (as numbers: statuses, frame types, callbacks,
    /// each after the one before), for a fuzzer whose coverage does not reach here.
    public var observe: (UInt64) -> Void = { _ in }
    private var lastObserved: UInt64 = 0

    public init() {
        var configuration = PushServer.Configuration()
        configuration.maxBody = 4096
        configuration.maxHead = 2048
        configuration.clientBuffer = 4096
        configuration.maxClients = 4
        let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
        let metrics = ServerMetrics(factory: configuration.metrics)
        shard = Shard(index: 0, of: 1, loop: loop, configuration: configuration, metrics: metrics)
        hub = Hub(loop: loop, configuration: configuration, shards: [shard], metrics: metrics, logger: logger)
        state = ServerState(configuration: configuration, hub: hub, logger: logger)
        let routes = RouteTable(
            streams: ["/sse": StreamOptions(history: 4), "/deny": StreamOptions(), "/both": StreamOptions()],
            handlers: ["/post": ["POST", "PUT"], "/both": ["POST"], "/": ["GET"]])
        state.routes.withLock { $0 = routes }
        hub.configureTopics(routes.streams)
        hub.application = application
        shard.start()
        hub.startHistoryExpiry()
    }

    /// One connection: `input`'s first byte says how the application behaves and
    /// how the rest is cut into pieces; the rest is what the client sends.
    public func run(_ input: UnsafeRawBufferPointer) {
        guard let behaviour = input.first else { return }
        application.behaviour = behaviour
        application.observe = { [unowned self] in note($0) }
        lastObserved = 0
        let channel = EmbeddedChannel(loop: loop)
        do {
            try PushServer.addHandlers(to: channel, shard: shard, state: state)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            var rest = input.dropFirst()
            var piece = 1 + Int(behaviour >> 4)
            while !rest.isEmpty, channel.isActive {
                try channel.writeInbound(ByteBuffer(bytes: rest.prefix(piece)))
                rest = rest.dropFirst(piece)
                piece = piece * 3 % 61 + 1
                settle(channel)
                note(channel.isActive ? 1 : 2)
            }
            _ = try? hub.publish(ServerSentEvent(data: "published", id: "p"), to: "/sse")
            _ = try? hub.broadcast(ServerSentEvent(data: "broadcast"))
            settle(channel)
            if behaviour & 0x08 != 0 { loop.advanceTime(by: .seconds(31)) }  // timeouts
        } catch {
            // A pipeline error closes the connection, as it would on a socket.
        }
        _ = try? channel.close().wait()
        settle(channel)
        loop.advanceTime(by: .seconds(3))  // close timeouts
        precondition(hub.count() == 0, "a client outlived its connection")
        precondition(shard.endpointCount == 0 && shard.connectionCount == 0, "the shard kept a connection")
        precondition(state.streamSlotsTaken == 0, "a stream slot was not given back")
    }

    private func settle(_ channel: EmbeddedChannel) {
        loop.run()
        while let bytes = try? channel.readOutbound(as: ByteBuffer.self) { observe(bytes) }
        while (try? channel.readOutbound(as: IOData.self)) != nil {}
    }

    /// What the server wrote: the status of an HTTP/1 response, or the type and
    /// flags of each HTTP/2 frame (its output starts with a SETTINGS frame).
    private func observe(_ bytes: ByteBuffer) {
        let view = bytes.readableBytesView
        if view.starts(with: "HTTP/1.".utf8), view.count > 12 {
            note(0x100 | UInt64(view[view.startIndex + 9]) << 16 | UInt64(view[view.startIndex + 11]))
            return
        }
        var index = view.startIndex
        while view.endIndex - index >= 9 {
            let length = Int(view[index]) << 16 | Int(view[index + 1]) << 8 | Int(view[index + 2])
            note(0x200 | UInt64(view[index + 3]) << 8 | UInt64(view[index + 4]))
            index += 9 + length
        }
    }

    private func note(_ feature: UInt64) {
        observe(lastObserved &* 31 &+ feature)
        lastObserved = feature
    }
}

@available(*, unavailable)
extension ConnectionFuzzing: Sendable {}

/// What the application does, as the fuzzer's first byte says: bit 0 sends an
/// event as a stream opens, bit 1 closes it, bit 2 answers requests with a body.
/// `/deny` is always denied.
private final class FuzzingApplication: PushApplication {
    var behaviour: UInt8 = 0
    var observe: (UInt64) -> Void = { _ in }

    func hub(_ hub: Hub, didConnect client: Client) {
        observe(0x300 | UInt64(client.request.path.utf8.count))
        if client.request.path == "/deny" {
            hub.deny(client, status: .forbidden, message: "no")
            return
        }
        if behaviour & 0x01 != 0 { _ = try? hub.send(ServerSentEvent(data: client.request.uri), to: client) }
        if behaviour & 0x02 != 0 { hub.close(client) }
    }

    func hub(_ hub: Hub, didDisconnect client: Client, reason: DisconnectReason) {
        observe(0x400 | UInt64(DisconnectReason.allCases.firstIndex(of: reason) ?? 0))
    }

    func hub(_ hub: Hub, didReceive request: Request, exchange: Exchange) {
        observe(
            0x500 | UInt64(request.method.rawValue.utf8.first ?? 0) << 8 | UInt64(request.body.readableBytes & 0xFF))
        let body = behaviour & 0x04 != 0 ? request.body : ByteBuffer()
        hub.respond(to: exchange, with: Response(status: .ok, body: body))
    }
}
