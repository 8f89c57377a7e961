public import Logging
public import NIOCore

/// A Redis connection for commands, kept up across Redis restarts.
///
/// Everything happens on one event loop, named at creation (ssescript's script loop):
/// the socket's I/O, every future this returns, and `onStateChange`. So a caller on
/// that loop needs no lock, and replies reach it without a hop. `send` may be called
/// from any thread; off the loop it formats the command there and hops.
///
/// Commands are pipelined: sent without waiting for earlier replies (a burst in one loop
/// tick leaves in one write), and replies complete the futures in order. While the link
/// is down every command fails at once with ``RedisError/unavailable`` (description
/// `redis unavailable`), nothing is queued; commands in flight when the link drops fail
/// the same way. The link reconnects
/// by itself (``ReconnectBackoff``) and reports ``RedisLinkState/connected`` when back.
///
/// ```swift
/// let redis = RedisConnection(configuration: .init(url: try RedisURL(parsing: "redis://127.0.0.1:6379")),
///                             eventLoop: scriptLoop)
/// try await redis.start().get()
/// let count = try await redis.send(["INCR", "visits"]).get()   // .integer(1)
/// ```
public final class RedisConnection: Sendable {
    /// The loop that runs the link and completes every future.
    public let eventLoop: any EventLoop
    private let link: NIOLoopBoundBox<RedisLink>

    /// A connection that does nothing until ``start()``.
    ///
    /// `onStateChange` runs on `eventLoop` after each connect and each drop.
    public init(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger = Logger(label: "ssescript.redis"),
        onStateChange: @escaping @Sendable (RedisLinkState) -> Void = { _ in }
    ) {
        self.eventLoop = eventLoop
        let link = RedisLink(configuration: configuration, eventLoop: eventLoop, logger: logger)
        link.onStateChange = onStateChange
        self.link = NIOLoopBoundBox.makeBoxSendingValue(link, eventLoop: eventLoop)
    }

    /// Starts connecting (and reconnecting, until ``close()``). The future succeeds at
    /// the first connection; it fails with ``RedisError/closed`` if closed before.
    /// It does not fail while Redis is unreachable: the link keeps trying.
    @discardableResult
    public func start() -> EventLoopFuture<Void> {
        onLoop { $0.start() }
    }

    /// Sends one command (`["SET", "key", "value"]`). The future succeeds with the reply;
    /// an error reply fails it with ``RedisError/reply(_:)``.
    public func send(_ arguments: [String]) -> EventLoopFuture<RedisValue> {
        send(RedisCommand(arguments))
    }

    /// Sends one command with binary-safe arguments.
    public func send(_ arguments: [ByteBuffer]) -> EventLoopFuture<RedisValue> {
        send(RedisCommand(arguments))
    }

    /// Sends a command formatted beforehand.
    public func send(_ command: RedisCommand) -> EventLoopFuture<RedisValue> {
        onLoop { $0.send(command) }
    }

    /// Stops reconnecting, refuses new commands (``RedisError/closed``), waits for the
    /// replies in flight (at most ``RedisConfiguration/closeTimeout``) and closes the socket.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        onLoop { $0.close() }
    }

    private func onLoop<Value: Sendable>(
        _ body: @escaping @Sendable (RedisLink) -> EventLoopFuture<Value>
    ) -> EventLoopFuture<Value> {
        if eventLoop.inEventLoop { return body(link.value) }
        let link = self.link
        return eventLoop.flatSubmit { body(link.value) }
    }
}
