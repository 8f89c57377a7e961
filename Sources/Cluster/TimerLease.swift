public import Logging
public import NIOCore
public import RedisClient

/// Decides which instance of a cluster runs the script's timers: the one holding a
/// lease in Redis (`ssescript:{timers}:lease`). The holder renews it every
/// `renewal`; the others try to take it as often. If the holder dies, its lease
/// expires after `duration` and another instance takes it at its next try, so timers
/// stop for at most `duration + renewal` (2.5 s by default).
///
/// The holder counts its lease from when it *sent* the last renewal that Redis
/// accepted, which is before Redis started counting: it stops running timers
/// before Redis lets anyone else take over, so two instances never both run them.
///
/// Confined to `loop` (the script loop): `isHeld` is read there by every timer tick.
public final class TimerLease: @unchecked Sendable {  // confined to `loop`, asserted in each entry point
    /// How long a lease lasts and how often it is renewed.
    public struct Configuration: Sendable {
        /// How long Redis keeps a lease nobody renews. Default 2 s.
        public var duration: TimeAmount = .seconds(2)
        /// How often the holder renews it and the others try to take it. Default 0.5 s.
        public var renewal: TimeAmount = .milliseconds(500)

        public init() {}
    }

    public let loop: any EventLoop
    /// The value this instance writes into the lease: a random token, then its name.
    public let value: String
    private let configuration: Configuration
    private let redis: RedisConnection
    private let logger: Logger
    private var heldUntil: NIODeadline = .uptimeNanoseconds(0)
    private var task: RepeatedTask?
    private var attemptInFlight = false
    private var wasHeld = false
    private var isStopped = false

    init(node: String, token: String, configuration: Configuration, redis: RedisConnection, logger: Logger) {
        self.loop = redis.eventLoop
        self.value = "\(token) \(node)"
        self.configuration = configuration
        self.redis = redis
        self.logger = logger
    }

    /// Whether this instance runs the script's timers now.
    public var isHeld: Bool {
        loop.preconditionInEventLoop()
        return loop.now < heldUntil
    }

    /// Tries to take the lease now (the future says whether it did), and then every `renewal`.
    func start() -> EventLoopFuture<Bool> {
        loop.preconditionInEventLoop()
        let first = attempt()
        task = loop.scheduleRepeatedTask(initialDelay: configuration.renewal, delay: configuration.renewal) {
            [weak self] _ in self?.attempt()
        }
        return first
    }

    @discardableResult
    private func attempt() -> EventLoopFuture<Bool> {
        guard !attemptInFlight, !isStopped else { return loop.makeSucceededFuture(isHeld) }
        attemptInFlight = true
        let sent = loop.now
        let milliseconds = String(configuration.duration.nanoseconds / 1_000_000)
        return redis.run(ClusterScripts.acquireLease, keys: [ClusterKeys.timerLease], arguments: [value, milliseconds])
            .assumeIsolated()
            .map { reply in
                self.attemptInFlight = false
                if reply.integer == 1, !self.isStopped {
                    // A little less than Redis's own count, which started later.
                    self.heldUntil = sent + self.configuration.duration - .milliseconds(100)
                }
                self.noteChange()
                return self.isHeld
            }
            .recover { error in
                // Unreachable: keep what was held until it runs out, and try again.
                self.attemptInFlight = false
                self.noteChange()
                return self.isHeld
            }
            .nonisolated()
    }

    private func noteChange() {
        let held = isHeld
        guard held != wasHeld else { return }
        wasHeld = held
        if held {
            logger.info("this instance runs the script's timers now (timer lease taken)")
        } else {
            logger.info("this instance no longer runs the script's timers (timer lease lost)")
        }
    }

    /// Stops renewing and gives the lease up, so another instance takes over at once.
    func release() -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        guard !isStopped else { return loop.makeSucceededVoidFuture() }
        isStopped = true
        task?.cancel()
        task = nil
        heldUntil = .uptimeNanoseconds(0)
        // Deletes it only if it is still ours (it may have expired and gone to another).
        return redis.run(ClusterScripts.releaseLease, keys: [ClusterKeys.timerLease], arguments: [value])
            .map { _ in }
            .recover { _ in }
    }
}
