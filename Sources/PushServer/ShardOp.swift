/// An instruction from the hub to the streams of one I/O loop, by the id the
/// hub knows them by. The hub sends them in batches, in order, one `execute` per
/// loop and batch.
enum ShardOp: Sendable {
    /// Send the stream's response head and first comment.
    case open(Int)
    case send(Int, Frame)
    case publish(topic: String, Frame)
    case broadcast(Frame)
    case subscribe(Int, topic: String)
    case unsubscribe(Int, topic: String)
    /// Answer the request with a plain response (the connection writes it as its
    /// protocol and keep-alive say).
    case respond(Int, Response)
    /// End the stream cleanly.
    case end(Int)
}
