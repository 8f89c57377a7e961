public import Logging
public import NIOCore

/// Redis pub/sub on a connection of its own (a subscribed connection takes no other
/// commands), kept up across Redis restarts.
///
/// It remembers every channel subscribed to and, after a reconnect, subscribes to all
/// of them again *before* it reports ``RedisLinkState/connected``, so the layer above
/// can then fetch what it missed (e.g. re-read a stream from the last id it delivered)
/// knowing that whatever is published from then on reaches it. Messages that arrive
/// during that re-subscribing are held and delivered right after `connected`.
///
/// Like ``RedisConnection``, everything runs on the event loop named at creation:
/// `onMessage`, `onStateChange` and every future.
public final class RedisSubscriber: Sendable {
    /// The loop that runs the link and all callbacks.
    public let eventLoop: any EventLoop
    private let subscriptions: NIOLoopBoundBox<RedisSubscriptions>

    /// A subscriber that does nothing until ``start()``.
    ///
    /// `onMessage(channel, payload)` receives each message of a subscribed channel, in
    /// the order Redis sent them; `onStateChange` each connect and drop.
    public init(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger = Logger(label: "ssescript.redis.pubsub"),
        onStateChange: @escaping @Sendable (RedisLinkState) -> Void = { _ in },
        onMessage: @escaping @Sendable (_ channel: String, _ payload: ByteBuffer) -> Void
    ) {
        self.eventLoop = eventLoop
        let link = RedisLink(configuration: configuration, eventLoop: eventLoop, logger: logger)
        let subscriptions = RedisSubscriptions(link: link, onMessage: onMessage)
        subscriptions.attach(onStateChange: onStateChange)
        self.subscriptions = NIOLoopBoundBox.makeBoxSendingValue(subscriptions, eventLoop: eventLoop)
    }

    /// Starts connecting (and reconnecting, until ``close()``). The future succeeds at
    /// the first connection, with every channel subscribed so far subscribed.
    @discardableResult
    public func start() -> EventLoopFuture<Void> {
        onLoop { $0.link.start() }
    }

    /// Subscribes to `channel`. The future succeeds once Redis confirms. While the link is
    /// down it fails with ``RedisError/unavailable``, but the channel is kept: the next
    /// connection subscribes to it before reporting `connected`.
    @discardableResult
    public func subscribe(_ channel: String) -> EventLoopFuture<Void> {
        onLoop { $0.subscribe(channel) }
    }

    /// Unsubscribes from `channel`: no message of it is delivered from now on, and it is
    /// not subscribed again after a reconnect. Succeeds at once while the link is down.
    @discardableResult
    public func unsubscribe(_ channel: String) -> EventLoopFuture<Void> {
        onLoop { $0.unsubscribe(channel) }
    }

    /// The channels subscribed to (asked for and not given up), whether or not the link is up.
    public func channels() -> EventLoopFuture<Set<String>> {
        onLoop { $0.link.eventLoop.makeSucceededFuture($0.channels) }
    }

    /// Stops reconnecting and closes the connection.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        onLoop { $0.link.close() }
    }

    private func onLoop<Value: Sendable>(
        _ body: @escaping @Sendable (RedisSubscriptions) -> EventLoopFuture<Value>
    ) -> EventLoopFuture<Value> {
        if eventLoop.inEventLoop { return body(subscriptions.value) }
        let subscriptions = self.subscriptions
        return eventLoop.flatSubmit { body(subscriptions.value) }
    }
}
