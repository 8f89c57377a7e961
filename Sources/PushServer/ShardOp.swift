import NIOCore

/// An instruction from the hub to the connections of one I/O loop. The hub sends
/// them in batches, in order, one `execute` per loop and batch.
enum ShardOp: Sendable {
    /// Send the stream's response head and first comment.
    case open(connection: Int)
    case send(connection: Int, Frame)
    case publish(topic: String, Frame)
    case broadcast(Frame)
    case subscribe(connection: Int, topic: String)
    case unsubscribe(connection: Int, topic: String)
    /// A complete plain response; then keep the connection or close it.
    case respond(connection: Int, ByteBuffer, keepAlive: Bool)
    /// End the stream cleanly and close.
    case close(connection: Int)
}
