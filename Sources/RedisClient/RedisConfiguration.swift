public import NIOCore

/// How a ``RedisConnection`` or ``RedisSubscriber`` reaches Redis and keeps its link up.
public struct RedisConfiguration: Sendable {
    /// Where Redis is, and the credentials and database to use there.
    public var url: RedisURL
    /// Give up one TCP connect attempt after this long (default 2 s); the backoff then applies.
    public var connectTimeout: TimeAmount = .seconds(2)
    /// Delays between connection attempts (default 50 ms doubling to 3 s, with jitter).
    public var reconnect = ReconnectBackoff()
    /// How long ``RedisConnection/close()`` waits for replies to commands already sent (default 2 s).
    public var closeTimeout: TimeAmount = .seconds(2)

    public init(url: RedisURL) {
        self.url = url
    }
}

/// What the layer above hears about a link, on the connection's event loop.
public enum RedisLinkState: Sendable, Hashable {
    /// The link is up and ready: authenticated, on its database, and (for a subscriber)
    /// subscribed again to every channel it had. Reported after every (re)connect.
    case connected
    /// The link dropped; commands fail with ``RedisError/unavailable`` until ``connected``.
    /// Reported once per drop, not for each failed attempt that follows.
    case disconnected
}
