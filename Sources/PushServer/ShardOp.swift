import NIOCore

/// An instruction from the hub to the streams of one I/O loop, by the id the
/// hub knows them by, and to the subscribers of a topic, by the topic's slot
/// (`Topic`). The hub sends them in batches, in order, one `execute` per loop
/// and batch.
enum ShardOp: Sendable {
    /// Send the stream's response head and, with `greeting`, its first comment.
    case open(Int, greeting: Bool)
    case send(Int, Frame)
    case publish(topic: Int, Frame)
    case broadcast(Frame)
    case subscribe(Int, topic: Int)
    case unsubscribe(Int, topic: Int)
    /// Answer the request with a plain response (the connection writes it as its
    /// protocol and keep-alive say).
    case respond(Int, Response)
    /// End the stream cleanly.
    case end(Int)
    /// Drop the stream as a slow client's: the script queued more for it than its
    /// budget (`queued` bytes) before the hub could hand any of it over.
    case disconnectSlow(Int, queued: Int)
    /// Close the stream's connection (reset its HTTP/2 stream) without the end of
    /// the stream, after what was written before.
    case abort(Int)
    /// Write nothing to the stream for this long: what is sent meanwhile waits, in order.
    case stall(Int, for: TimeAmount)
}

/// What a shard tells the hub, in batches, in the order it happened.
enum HubEvent: Sendable {
    /// A stream client's request is complete: `id` is the loop's for its stream,
    /// `client` the one the script sees (`Client.id`).
    case connected(Request, id: Int, client: Int)
    /// A plain request for a handler is complete.
    case received(Request, Exchange)
    /// A stream the hub knew is gone, and why (its peer closed, it was too slow,
    /// its time was up, the server stops).
    case disconnected(id: Int, reason: DisconnectReason)
}
