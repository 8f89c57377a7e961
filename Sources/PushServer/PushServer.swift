public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The SSE server: HTTP/1.1 on a group of I/O loops, with the application's
/// routes, and a `Hub` on a control loop through which the application speaks
/// to its clients. It knows nothing of Lua.
public final class PushServer: Sendable {
    public let configuration: Configuration
    /// Where the application acts: on `hub.loop`, the control loop.
    public let hub: Hub
    let state: ServerState
    private let group: EventLoopGroup
    private let shards: [Shard]
    private let listener = Mutex<Channel?>(nil)
    private let hubSweep = Mutex<RepeatedTask?>(nil)

    /// A server whose connections live on `group` and whose hub runs on `controlLoop`.
    /// Refused requests, dropped connections and slow clients are logged at debug level.
    public init(configuration: Configuration, group: EventLoopGroup, controlLoop: EventLoop, logger: Logger) {
        self.configuration = configuration
        self.group = group
        let loops = Array(group.makeIterator())
        let metrics = ServerMetrics(factory: configuration.metrics)
        shards = loops.enumerated().map {
            Shard(index: $0, of: loops.count, loop: $1, configuration: configuration, metrics: metrics)
        }
        hub = Hub(loop: controlLoop, configuration: configuration, shards: shards, metrics: metrics, logger: logger)
        state = ServerState(configuration: configuration, hub: hub, logger: logger)
        let hub = self.hub
        controlLoop.execute { hub.histories.logger = logger }
    }

    /// The paths served; set it whole (a reload swaps it at once). The streams'
    /// history and id options reach the hub at once when set on its loop.
    public var routes: RouteTable {
        get { state.routes.withLock { $0 } }
        set {
            state.routes.withLock { $0 = newValue }
            let hub = self.hub
            if hub.loop.inEventLoop {
                hub.configureTopics(newValue.streams)
            } else {
                hub.loop.execute { hub.configureTopics(newValue.streams) }
            }
        }
    }

    /// Streams closed because their client read too slowly.
    public var slowClientsDisconnected: Int { state.slowClients.load(ordering: .relaxed) }

    /// Starts listening; returns the port (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        let shardsByLoop = Dictionary(uniqueKeysWithValues: shards.map { (ObjectIdentifier($0.loop), $0) })
        let state = self.state
        let budget = max(configuration.clientBuffer, 2)
        let logger = state.logger
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptErrors(logger: logger))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.setOptions(of: channel, writeBudget: budget)
                    try Self.addHandlers(
                        to: channel, shard: shardsByLoop[ObjectIdentifier(channel.eventLoop)]!, state: state)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        limitConnections()
        for shard in shards { shard.loop.execute { shard.start() } }
        let hub = self.hub
        hub.loop.execute { hub.startHistoryExpiry() }
        if hub.metrics.isRecording {
            let sweep = hub.loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) {
                _ in hub.reportMetrics()
            }
            hubSweep.withLock { $0 = sweep }
        }
        listener.withLock { $0 = channel }
        return channel.localAddress?.port ?? configuration.port
    }

    /// Sets how many connections may be open at once: as configured, or what the
    /// descriptors leave room for now that the server listens. Says so when more
    /// streams are allowed than that: the ones past it are answered `503`.
    private func limitConnections() {
        let capacity = configuration.maxConnections ?? DescriptorLimit.connectionCapacity
        state.connectionCapacity.store(capacity, ordering: .relaxed)
        if configuration.maxConnections == nil, let maxClients = configuration.maxClients, maxClients > capacity {
            state.logger.warning(
                "at most \(maxClients) streams are allowed, but the descriptor limit (ulimit -n \(DescriptorLimit.soft)) leaves room for \(capacity) connections: past them, connections are answered 503"
            )
        }
    }

    /// A new connection's options, set at once on its loop: the bootstrap's
    /// `childChannelOption`s would chain a future for each one, on every accept.
    /// Not `TCP_NODELAY`: NIO sets it on the listening socket, and an accepted
    /// socket inherits it (Linux and the BSDs do), so setting it again was a system
    /// call and 1% of a storm's instructions for each connection.
    static func setOptions(of channel: Channel, writeBudget budget: Int) throws {
        guard let options = channel.syncOptions else { throw ChannelError.operationUnsupported }
        try options.setOption(.writeBufferWaterMark, value: .init(low: budget / 2, high: budget))
        try options.setOption(.recvAllocator, value: receiveBuffers)
    }

    /// How large a connection's receive buffer is: NIO keeps the last one for
    /// each connection to read into again, so an idle stream holds it for as long
    /// as it is open. NIO's default starts at 2,048 bytes; a stream's request is
    /// usually one read of a few hundred, and nothing follows it. Starting at 256
    /// bytes, an idle stream of a short request holds 256; a longer request takes
    /// a few reads (each full one doubles the next, up to 64 KiB) and its
    /// connection keeps those buffers (256 + 512 + ... bytes).
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65536)

    /// Connections answered `503` because the descriptors left no room for them.
    public var connectionsRefused: Int { state.refusedConnections.load(ordering: .relaxed) }

    /// A connection's pipeline, as its transport needs (`ConnectionPipeline`). Called on the channel's loop.
    static func addHandlers(to channel: Channel, shard: Shard, state: ServerState) throws {
        try ConnectionPipeline.configure(channel, shard: shard, state: state)
    }

    /// Stops listening: no new connection is accepted; open ones go on.
    public func stopAccepting() async {
        let channel = listener.withLock { current in
            defer { current = nil }
            return current
        }
        try? await channel?.close()
    }

    /// Stops accepting connections, then ends every stream cleanly: what the hub
    /// has sent so far (say, `on_stop`'s last events) is written, then the end of
    /// the stream, then the connection is closed. Returns once every connection is
    /// closed; one that does not take its last bytes within
    /// `configuration.closeTimeout` is closed anyway.
    public func stop() async {
        await stopAccepting()
        let hub = self.hub
        let shards = self.shards
        let closed = hub.loop.flatSubmit {
            // The hub's pending instructions go out first; each shard's close-all is
            // queued behind them on its loop.
            hub.flush()
            let closing = shards.map { shard in shard.loop.flatSubmit { shard.closeAll() } }
            return EventLoopFuture.andAllComplete(closing, on: hub.loop)
        }
        try? await closed.get()
        hubSweep.withLock { $0?.cancel() }
        await reportMetrics()
    }

    /// Brings the server's series up to date: the hub and every I/O loop add
    /// what they counted (they also do at their sweeps, every 250 ms at most).
    /// Call it before a scrape, not after the loops are shut down.
    public func reportMetrics() async {
        let hub = self.hub
        try? await hub.loop.submit { hub.reportMetrics() }.get()
        for shard in shards { try? await shard.loop.submit { shard.reportMetrics() }.get() }
    }
}
