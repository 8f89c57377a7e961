/// A stream client as the hub knows it: its request, its state and its topics.
/// Confined to the hub's control loop.
public final class Client {
    public enum State: Equatable, Sendable {
        /// Connected; no response sent yet, so it can still be denied.
        case pending
        /// The stream is open.
        case open
        /// Closed by the server or gone: sends are ignored.
        case closed
    }

    /// Unique while the server runs, in the order the clients of its I/O loop came
    /// (`Shard.newClientID`).
    public let id: Int
    /// The id its I/O loop knows its stream by (`EndpointTable`), in the hub's
    /// instructions and the loop's reports.
    let endpoint: Int
    public let request: Request
    public internal(set) var state: State = .pending
    /// The application keeps it pending: its handler waits for a result (a key,
    /// a Redis reply) before it decides between a stream and a refusal, so the hub
    /// does not open it on its own. `open`, `send`, `deny` and `close` still act.
    public var isHeldPending = false
    /// The topics it receives, its path among them once open.
    public internal(set) var topics = TopicSet()
    let shard: Int
    /// Bytes `send` queued for it since the hub last handed its outbox to the I/O loops.
    var unflushedBytes = 0

    init(id: Int, endpoint: Int, request: Request, shard: Int) {
        self.id = id
        self.endpoint = endpoint
        self.request = request
        self.shard = shard
    }

    /// Whether sends still reach it.
    public var isConnected: Bool { state != .closed }
}

@available(*, unavailable)
extension Client: Sendable {}
