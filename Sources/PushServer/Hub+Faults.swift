public import NIOCore

/// Faults a script injects to test its clients: a connection that dies without
/// the end of its stream, a stream that stalls, bytes written exactly as given.
extension Hub {
    /// Drops the client's connection without the stream's clean end (no last
    /// chunk; on HTTP/2 the stream is reset), after what was sent to it before,
    /// as a crashed server or a cut network looks to the client.
    public func drop(_ client: Client) {
        loop.preconditionInEventLoop()
        guard client.isConnected else { return }
        open(client)
        forget(client, as: .closed)
        enqueue(.abort(client.endpoint), on: client.shard)
    }

    /// Writes nothing to the client for `duration`: what is sent meanwhile waits
    /// in the server (against its write budget: past it, it is a slow client) and
    /// then goes out in order. A new stall replaces the one before; zero ends it.
    /// False when the client is gone.
    @discardableResult
    public func stall(_ client: Client, for duration: TimeAmount) -> Bool {
        loop.preconditionInEventLoop()
        guard client.isConnected else { return false }
        open(client)
        enqueue(.stall(client.endpoint, for: max(duration, .zero)), on: client.shard)
        return true
    }

    /// Writes `bytes` to the client's stream exactly as given, inside the body's
    /// framing (one chunk on HTTP/1.1, one DATA frame on HTTP/2). Sent before
    /// anything else, they are the first bytes of the body: the stream's `: ok`
    /// greeting is left out. False when the client is gone.
    @discardableResult
    public func sendRaw(_ bytes: ByteBuffer, to client: Client) -> Bool {
        loop.preconditionInEventLoop()
        guard client.isConnected else { return false }
        open(client, greeting: false)
        guard bytes.readableBytes > 0 else { return true }
        enqueue(.send(client.endpoint, Frame(encoded: bytes, id: nil, allocator: allocator)), on: client.shard)
        return true
    }
}
