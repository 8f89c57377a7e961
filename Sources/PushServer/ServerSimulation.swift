import EventStream
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// The server without sockets, for simulations with many clients: the real
/// `Hub`, `Shard`s and `Frame`s on embedded event loops, each stream a sink that
/// counts what it is given. The benchmarks (`make bench`) drive it to show that
/// what a client costs does not grow with the number of clients.
///
/// Everything runs on the calling thread; `run()` lets the loops do what the
/// hub and shards asked of them.
@_spi(Simulation) public final class ServerSimulation {
    public let hub: Hub
    private let hubLoop = EmbeddedEventLoop()
    private let shardLoops: [EmbeddedEventLoop]
    private let shards: [Shard]
    private var sinks: [Int: CountingSink] = [:]
    private let strays = StrayFrames()
    private var nextShard = 0

    public init(shardCount: Int = 2, configuration: PushServer.Configuration = PushServer.Configuration()) {
        shardLoops = (0..<shardCount).map { _ in EmbeddedEventLoop() }
        let metrics = ServerMetrics(factory: configuration.metrics)
        shards = shardLoops.enumerated().map {
            Shard(index: $0, of: shardCount, loop: $1, configuration: configuration, metrics: metrics)
        }
        var logger = Logger(label: "simulation")
        logger.logLevel = .critical
        hub = Hub(loop: hubLoop, configuration: configuration, shards: shards, metrics: metrics, logger: logger)
    }

    /// Connects `count` stream clients to `path` (over the shards in turn) and
    /// runs until their streams are open. Returns their ids.
    @discardableResult
    public func connect(_ count: Int, path: String = "/sse", lastEventID: String? = nil) -> [Int] {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        if let lastEventID { head.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let request = Request(head: head, peer: try? SocketAddress(ipAddress: "127.0.0.1", port: 0))
        var ids: [Int] = []
        ids.reserveCapacity(count)
        for _ in 0..<count {
            let shard = shards[nextShard]
            nextShard = (nextShard + 1) % shards.count
            let sink = CountingSink(strays: strays)
            let id = shard.register(sink, options: nil)
            sinks[id] = sink
            shard.tell(.connected(request, id: id, client: shard.newClientID()))
            ids.append(id)
        }
        run()
        return ids
    }

    /// The clients go, as their peers closing would have it; runs until the hub knows.
    public func disconnect(_ ids: some Sequence<Int>) {
        for id in ids {
            let shard = shards[id % shards.count]
            shard.unregister(id)
            shard.tell(.disconnected(id: id, reason: .peer))
            sinks.removeValue(forKey: id)?.isGone = true
        }
        run()
    }

    /// Runs `body` on the hub (its loop is this thread), then lets the loops do what it asked.
    public func onHub<T>(_ body: (Hub) throws -> T) rethrows -> T {
        let result = try body(hub)
        run()
        return result
    }

    /// Lets every loop run what is due, until the hand-overs between the hub and
    /// the shards are done.
    public func run() {
        for _ in 0..<4 {
            for loop in shardLoops { loop.run() }
            hubLoop.run()
        }
    }

    /// Frames and bytes the streams were given, in all.
    public var delivered: (frames: Int, bytes: Int) {
        sinks.values.reduce((0, 0)) { ($0.0 + $1.frames, $0.1 + $1.bytes) }
    }

    /// Frames given to streams after they were disconnected (none, if the shards
    /// forget a stream everywhere when it goes).
    public var framesAfterDisconnect: Int { strays.frames }

    /// Frames the stream of `id` was given.
    public func frames(of id: Int) -> Int { sinks[id]?.frames ?? 0 }

    /// How many streams are open now.
    public var openStreams: Int { sinks.values.lazy.filter(\.isOpen).count }

    deinit {
        for loop in shardLoops + [hubLoop] { try? loop.syncShutdownGracefully() }
    }
}

@available(*, unavailable)
extension ServerSimulation: Sendable {}

/// Frames written to streams that were gone.
private final class StrayFrames {
    var frames = 0
}

/// A stream that takes everything at once and counts it.
private final class CountingSink: StreamSink {
    var isOpen = false
    var isGone = false
    var frames = 0
    var bytes = 0
    private let strays: StrayFrames

    init(strays: StrayFrames) { self.strays = strays }

    func openStream(greeting: Bool) -> Bool {
        guard !isOpen else { return false }
        isOpen = true
        return true
    }

    func write(_ frame: Frame) -> Bool {
        if isGone { strays.frames += 1 }
        guard isOpen else { return false }
        frames += 1
        bytes += frame.payload.readableBytes
        return true
    }

    func flush() -> Int? { nil }
    func respond(_ response: Response) {}
    func endStream() { isOpen = false }
    func disconnectSlow(queuedInHub: Int) { isOpen = false }
    func abort() { isOpen = false }
}
