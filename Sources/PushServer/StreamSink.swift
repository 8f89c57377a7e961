import NIOCore

/// What the shard writes to: the current request of an HTTP/1 connection (or,
/// later, one HTTP/2 stream). It does not care which protocol carries it; the
/// shard drives it on its loop with the hub's instructions.
protocol StreamSink: AnyObject {
    /// Sends the stream's head and, with `greeting`, its first comment; false
    /// unless a stream waited for it.
    func openStream(greeting: Bool) -> Bool
    /// Queues one frame (not flushed); false if this is not an open stream.
    func write(_ frame: Frame) -> Bool
    /// Flushes what was queued. Returns the bytes still waiting once the transport
    /// has taken what it could, or nil while it keeps up (the common case, one check).
    func flush() -> Int?
    /// Answers a request with a plain response (the hub's answer, or a denied stream).
    func respond(_ response: Response)
    /// Ends the stream cleanly.
    func endStream()
    /// Drops the stream at once: it reads too slowly, or the script queued more for
    /// it (`queuedInHub` bytes, never handed over) than its budget.
    func disconnectSlow(queuedInHub: Int)
    /// Closes the connection (or resets the HTTP/2 stream) after flushing what was
    /// written, without the end of the stream: as a crashed server or a cut network looks.
    func abort()
}

/// What the shard's sweep asks of every connection: whether its request came in time.
protocol ShardConnection: AnyObject {
    /// Whether the connection waits for a request and has waited `ticks` or more at `tick`.
    func hasWaited(_ ticks: UInt32, at tick: UInt32) -> Bool
    /// The request did not come in time.
    func timeOut()
    /// The server stops: end the stream, close the connection. Returns when it is closed.
    func shutdown() -> EventLoopFuture<Void>?
}
