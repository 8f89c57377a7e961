import NIOCore
import PushServer
import RedisClient

/// What `/metrics` and `/healthz` are told about Redis (`ClusterMetrics`): Redis is
/// connected while both of this instance's links (commands, pub/sub) are up; a
/// reconnect is the pair coming back after it was lost, once per outage however
/// many attempts it took.
struct RedisHealth {
    let metrics: ClusterMetrics
    private var commandUp = false
    private var subscriberUp = false
    private var isUp = false
    private var wasEverUp = false

    init(metrics: ClusterMetrics) {
        self.metrics = metrics
    }

    /// Both links are up: probes may go.
    var bothLinksUp: Bool { isUp }

    mutating func commandLink(_ state: RedisLinkState) {
        commandUp = state == .connected
        update()
    }

    mutating func subscriberLink(_ state: RedisLinkState) {
        subscriberUp = state == .connected
        update()
    }

    private mutating func update() {
        let up = commandUp && subscriberUp
        guard up != isUp else { return }
        isUp = up
        if !up {
            metrics.disconnected()
        } else if wasEverUp {
            metrics.reconnected()
        } else {
            wasEverUp = true
            metrics.connected()
        }
    }
}

/// The pub/sub lag: a probe published on this instance's own channel through the
/// command link, behind whatever it is publishing, and timed when it comes back on
/// the pub/sub link, behind whatever that link is delivering: the way an event goes.
enum LagProbe {
    static let prefix = "lag "

    /// The probe's message: the send time on this process's monotonic clock.
    static func message(sentAt now: NIODeadline) -> String { prefix + String(now.uptimeNanoseconds) }

    /// Seconds since a probe's message was sent; nil if `payload` is not a probe.
    static func lag(of payload: ByteBuffer, now: NIODeadline) -> Double? {
        let text = String(buffer: payload)
        guard text.hasPrefix(prefix), let sent = UInt64(text.dropFirst(prefix.count)) else { return nil }
        return Double(now.uptimeNanoseconds &- sent) / 1e9
    }
}

extension RedisBroker {
    /// Every `interval`, while both links are up, sends a lag probe; until `close()`.
    func startLagProbes(every interval: TimeAmount) {
        // On the hub's loop, where the broker lives.
        lagProbes = hub.loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            self?.sendLagProbe()
        }
    }

    private func sendLagProbe() {
        guard health.bothLinksUp else { return }
        _ = redis.send(["PUBLISH", nodeChannel, LagProbe.message(sentAt: .now())])
    }

    /// A message on this instance's own channel: a lag probe back, or a drain marker.
    func receivedOnNodeChannel(_ payload: ByteBuffer) {
        if let lag = LagProbe.lag(of: payload, now: .now()) { return health.metrics.observeLag(seconds: lag) }
        drained(upTo: Int(String(buffer: payload)) ?? 0)
    }
}
