public import NIOCore

/// Carries published events between the instances of a cluster (through Redis),
/// so every instance delivers a topic's events in one order. Without a broker the
/// hub delivers its own publishes at once.
///
/// Called on the hub's loop; it answers there too (`Hub.deliver`,
/// `Hub.loadHistory`, the `whenReady` callbacks).
public protocol TopicBroker: AnyObject {
    /// Hands an event published on this instance to the cluster; every instance
    /// with subscribers (this one too) delivers it back through `Hub.deliver`.
    /// Returns why it cannot be published now (`redis unavailable`), or nil.
    func publish(_ event: BrokeredEvent) -> String?
    /// This instance's first subscriber of `topic` came: receive its events.
    func subscribersAppeared(for topic: String)
    /// The last subscriber of `topic` on this instance left.
    func subscribersLeft(_ topic: String)
    /// Calls `ready` once the histories of `topics` hold what the cluster kept
    /// (at once if they already do), so a resuming client's replay is complete.
    func whenReady(_ topics: [String], _ ready: @escaping () -> Void)
}

/// An event on its way through a broker: encoded once, by the instance that
/// published it.
public struct BrokeredEvent: Sendable {
    /// Its topic; nil for a broadcast (every open stream, kept in no history).
    public var topic: String?
    /// The event in event-stream format, without an `id` line when the cluster numbers it.
    public var payload: ByteBuffer
    /// Its own id (kept in histories), if it has one.
    public var id: String?
    /// Whether the cluster gives it an id (`ids = "auto"`): the broker's own,
    /// the same on every instance.
    public var autoID: Bool
    /// How many events with an id its topic keeps (0: none, so no history is stored).
    public var history: Int

    public init(topic: String?, payload: ByteBuffer, id: String?, autoID: Bool, history: Int) {
        self.topic = topic
        self.payload = payload
        self.id = id
        self.autoID = autoID
        self.history = history
    }
}

/// A publish the broker refused: the message says why (`redis unavailable`).
public struct PublishUnavailable: Error, CustomStringConvertible {
    public let description: String
}
