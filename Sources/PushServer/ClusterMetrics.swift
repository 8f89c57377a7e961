import CoreMetrics
import Synchronization

/// The Redis series of an instance in a cluster (`--redis`), and whether Redis is
/// reachable (`/healthz` answers 503 while it is not).
///
/// The cluster's broker makes it once, when it starts, with
/// `hub.metrics.attachCluster()`; until then there are no Redis series and
/// `/healthz` does not ask about Redis. Every method may be called from any thread.
public final class ClusterMetrics: Sendable {
    /// The Redis families, as `/metrics` shows them once a broker is attached.
    public static let families: [MetricFamily] = [
        MetricFamily(
            name: "ssescript_redis_connected", help: "1 while the connection to Redis is up, 0 while it is down.",
            kind: .gauge),
        MetricFamily(
            name: "ssescript_redis_reconnects_total", help: "Connections to Redis made again after one was lost.",
            kind: .counter),
        MetricFamily(
            name: "ssescript_redis_pubsub_lag_seconds",
            help: "Seconds from an event's publish to Redis to its delivery back on this instance.",
            kind: .histogram(buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])),
    ]

    private let connectedGauge: Gauge
    private let reconnects: Counter
    private let lag: CoreMetrics.Timer
    private let isUp = Atomic<Bool>(false)

    init(factory: any MetricsFactory) {
        connectedGauge = Gauge(label: "ssescript_redis_connected", factory: factory)
        reconnects = Counter(label: "ssescript_redis_reconnects_total", factory: factory)
        lag = CoreMetrics.Timer(label: "ssescript_redis_pubsub_lag_seconds", factory: factory)
        connectedGauge.record(0)
    }

    /// Whether the connection to Redis is up now.
    public var isConnected: Bool { isUp.load(ordering: .relaxed) }

    /// The connection to Redis is up (the first time, or again: see `reconnected`).
    public func connected() {
        isUp.store(true, ordering: .relaxed)
        connectedGauge.record(1)
    }

    /// The connection to Redis was lost.
    public func disconnected() {
        isUp.store(false, ordering: .relaxed)
        connectedGauge.record(0)
    }

    /// A connection was made again after one was lost: counts it, and it is up.
    public func reconnected() {
        reconnects.increment()
        connected()
    }

    /// One event delivered back from Redis `seconds` after it was published to it.
    public func observeLag(seconds: Double) {
        lag.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }
}

extension ServerMetrics {
    /// The Redis series, made the first time this is called (by the cluster's
    /// broker, when it starts); the same object after that.
    public func attachCluster() -> ClusterMetrics {
        attachedCluster.withLock { attached in
            if let attached { return attached }
            let cluster = ClusterMetrics(factory: factory)
            attached = cluster
            return cluster
        }
    }

    /// Whether Redis is reachable: nil when no broker is attached.
    public var isClusterReachable: Bool? {
        attachedCluster.withLock { $0 }?.isConnected
    }
}
