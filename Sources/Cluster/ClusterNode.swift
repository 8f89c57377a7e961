public import Logging
public import NIOCore
public import PushServer
public import RedisClient
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// This instance as one node of a cluster sharing a Redis: the command connection
/// (publishes, the timer lease, `sse.redis`), the broker that carries topics through
/// Redis (with its own pub/sub connection), and the timer lease. `ScriptServer`
/// starts it before the script loads and stops it after the graceful stop.
///
/// Every Redis link runs on the hub's loop (the script loop).
public final class ClusterNode: Sendable {
    /// Where Redis is and who this instance is.
    public struct Configuration: Sendable {
        /// The Redis shared by the cluster (`--redis`).
        public var redis: RedisConfiguration
        /// This instance's name, in logs and in the timer lease (`--node`).
        public var node: String
        /// The timer lease's timing.
        public var lease = TimerLease.Configuration()
        /// How long `start()` waits for Redis before serving anyway (it keeps
        /// reconnecting). Default 2 s.
        public var startTimeout: TimeAmount = .seconds(2)
        /// How long a graceful stop waits for the events of its last publishes to
        /// come back from Redis and go out. Default 1 s.
        public var drainTimeout: TimeAmount = .seconds(1)
        /// How often the pub/sub lag is measured (`ssescript_redis_pubsub_lag_seconds`).
        /// Default 1 s.
        public var lagProbeInterval: TimeAmount = .seconds(1)

        public init(url: RedisURL, node: String) {
            redis = RedisConfiguration(url: url)
            self.node = node
        }
    }

    public let configuration: Configuration
    /// Commands: publishes, the lease, and the script's own (`sse.redis`).
    public let redis: RedisConnection
    public let broker: RedisBroker
    /// Whether this instance runs the script's timers.
    public let lease: TimerLease
    private let hub: Hub
    private let logger: Logger
    private let stopped = Atomic(false)

    public init(configuration: Configuration, hub: Hub, logger: Logger) {
        self.configuration = configuration
        self.hub = hub
        self.logger = logger
        let token = Self.randomToken()
        let relay = BrokerRelay()
        redis = RedisConnection(
            configuration: configuration.redis, eventLoop: hub.loop, logger: logger,
            onStateChange: { state in relay.broker?.commandLinkChanged(state) })
        broker = RedisBroker(
            hub: hub, redis: redis, configuration: configuration.redis, token: token,
            metrics: hub.metrics.attachCluster(), logger: logger)
        relay.broker = broker
        lease = TimerLease(
            node: configuration.node, token: token, configuration: configuration.lease, redis: redis, logger: logger)
    }

    /// The hub's loop, where everything of this node runs.
    public var loop: any EventLoop { hub.loop }

    /// Hands the hub its broker, connects both links (waiting at most
    /// `startTimeout`: if Redis is not there yet, it serves anyway and keeps trying)
    /// and makes a first try for the timer lease.
    public func start() async {
        let (hub, broker, redis, lease) = (self.hub, self.broker, self.redis, self.lease)
        let (timeout, probes) = (configuration.startTimeout, configuration.lagProbeInterval)
        let connected = hub.loop.flatSubmit {
            hub.broker = broker
            let links = redis.start().and(broker.start(lagProbeInterval: probes)).map { _ in true }
            let promise = hub.loop.makePromise(of: Bool.self)
            links.cascade(to: promise)
            hub.loop.scheduleTask(in: timeout) { promise.succeed(false) }
            return promise.futureResult
        }
        if (try? await connected.get()) != true {
            logger.warning(
                "redis not reachable in \(timeout); serving anyway, reconnecting in the background",
                metadata: ["redis": "\(configuration.redis.url)"])
        }
        _ = try? await hub.loop.flatSubmit { lease.start() }.get()
    }

    /// Waits (at most `drainTimeout`) until the events of every publish so far have
    /// come back from Redis and been handed to the hub.
    public func drain() async {
        let (broker, timeout) = (self.broker, configuration.drainTimeout)
        try? await hub.loop.flatSubmit { broker.drain(timeout: timeout) }.get()
    }

    /// Gives the timer lease up (the script's timers have stopped), so another instance
    /// takes over at its next try rather than when the lease expires.
    public func releaseLease() async {
        let lease = self.lease
        try? await hub.loop.flatSubmit { lease.release() }.get()
    }

    /// Gives the timer lease up and closes both links. Stopping twice is harmless.
    public func stop() async {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        let (broker, redis, lease) = (self.broker, self.redis, self.lease)
        let closed = hub.loop.flatSubmit {
            lease.release().flatMap { redis.close().and(broker.close()).map { _ in } }
        }
        try? await closed.get()
    }

    /// The name `--node` defaults to: this machine's host name and the port.
    public static func defaultName(port: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : "localhost"
        return port == 0 ? "\(host):pid\(getpid())" : "\(host):\(port)"
    }

    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<8).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}
