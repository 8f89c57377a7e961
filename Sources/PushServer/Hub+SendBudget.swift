import NIOCore

/// The write budget at the point of `send`: what the hub holds for its clients
/// before the I/O loops have it.
///
/// A script that sends in a loop without yielding never lets the hub's outbox go
/// to the I/O loops (the hand-over is a task on the script loop), so without a
/// bound there the outbox would grow with every send. Two rules bound it:
///
/// - the bytes `send` queued for one client since the last hand-over count
///   against its budget (`clientBuffer`): past it, the client is handled as a slow
///   client at once (its stream is dropped, as the shard drops one that reads too
///   slowly) and `send` returns false, so a loop on `send` ends;
/// - once the whole outbox holds more than `outboxLimit` bytes (sends, publishes,
///   broadcasts), it is handed to the I/O loops at once, where each stream's write
///   budget (`WriteBudget`) applies as usual. A publish counts its frame once,
///   whatever its number of subscribers: no work per subscriber.
struct OutboxBudget {
    /// A client's budget (`--client-buffer`).
    let clientLimit: Int
    /// Bytes the outbox may hold before it is handed over early: above one
    /// client's budget, so that one client sent too much is found slow here first.
    let outboxLimit: Int
    /// Bytes in the outbox now.
    private(set) var outboxBytes = 0
    /// The clients `send` queued bytes for since the last hand-over.
    private var clients: [Client] = []

    init(clientLimit: Int) {
        self.clientLimit = clientLimit
        outboxLimit = max(2 * clientLimit, 64 << 10)
    }

    /// Counts `frame` against `client`'s budget; false, counting nothing, when it does not fit.
    mutating func charge(_ frame: Frame, to client: Client) -> Bool {
        let total = client.unflushedBytes + frame.chunked.readableBytes
        guard total <= clientLimit else { return false }
        if client.unflushedBytes == 0 { clients.append(client) }
        client.unflushedBytes = total
        return true
    }

    /// Counts an instruction going into the outbox; true when the outbox should be
    /// handed over now.
    mutating func queued(bytes: Int) -> Bool {
        outboxBytes += bytes
        return outboxBytes > outboxLimit
    }

    /// Bytes queued for a client were taken out of the outbox again.
    mutating func dropped(_ bytes: Int) {
        outboxBytes -= bytes
    }

    /// The outbox was handed over: the shards account for it from now on.
    mutating func handedOver() {
        outboxBytes = 0
        for client in clients { client.unflushedBytes = 0 }
        clients.removeAll(keepingCapacity: true)
    }
}

extension Hub {
    /// Queues `frame` for `client` within its budget; false, and the client is
    /// dropped as too slow, when the frame does not fit.
    func queue(_ frame: Frame, for client: Client) -> Bool {
        guard outboxBudget.charge(frame, to: client) else {
            disconnectSlow(client)
            return false
        }
        enqueue(.send(client.endpoint, frame), on: client.shard)
        return true
    }

    /// Drops a client the script has queued too much for: what was queued for it
    /// alone is dropped (it would be cut off anyway), its stream is closed as a slow
    /// client's is (counted here as a `slow` departure, logged by its connection),
    /// and the application hears it is gone, with reason `slow`, on the next turn
    /// of the loop, not inside the send that found it.
    private func disconnectSlow(_ client: Client) {
        let queued = client.unflushedBytes
        forget(client, as: .slow)
        outboxes[client.shard].removeAll { op in
            guard case .send(let id, _) = op else { return false }
            return id == client.endpoint
        }
        outboxBudget.dropped(queued)
        enqueue(.disconnectSlow(client.endpoint, queued: queued), on: client.shard)
        loop.assumeIsolated().execute { [self] in application?.hub(self, didDisconnect: client, reason: .slow) }
    }

    /// The bytes of the instructions not yet handed to the I/O loops.
    var outboxHeldBytes: Int { outboxes.reduce(0) { $0 + $1.reduce(0) { $0 + $1.byteCount } } }

    /// Counts an instruction of `bytes` that went into the outbox, and hands the
    /// outbox to the I/O loops at once when it holds more than its bound.
    func noteQueued(bytes: Int) {
        if outboxBudget.queued(bytes: bytes) { flush() }
    }
}

extension ShardOp {
    /// The bytes the instruction holds (its frame or response body).
    var byteCount: Int {
        switch self {
        case .send(_, let frame), .publish(_, let frame), .broadcast(let frame): frame.chunked.readableBytes
        case .respond(_, let response): response.body.readableBytes
        case .open, .subscribe, .unsubscribe, .end, .abort, .stall, .disconnectSlow: 0
        }
    }
}
