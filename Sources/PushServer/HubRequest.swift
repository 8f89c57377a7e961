import NIOCore
import NIOHTTP1

/// The request a connection (or an HTTP/2 stream) has handed to the hub: its id
/// at the shard, its path for log lines, and its stream slot. Both connection
/// handlers keep one; it registers the request, tells the hub, and forgets it the
/// same way for both.
struct HubRequest {
    private(set) var id: Int?
    /// The stream's `Client.id`, for log lines; nil for a plain request.
    private(set) var clientID: Int?
    private(set) var path = ""
    private var holdsStreamSlot = false

    /// A head was taken: it holds a stream slot from now on if the router gave it one.
    mutating func headTaken(_ machine: ConnectionStateMachine) {
        holdsStreamSlot = holdsStreamSlot || machine.holdsStreamSlot
    }

    /// Registers the complete request with the shard under a new id and tells the hub.
    mutating func forward(
        _ request: Request, _ kind: ConnectionStateMachine.Kind, sink: any StreamSink, shard: Shard,
        server: ServerState
    ) {
        let options = kind == .stream ? server.streamOptions(for: request.path) : nil
        let id = shard.register(sink, options: options)
        self.id = id
        path = request.path
        switch kind {
        case .stream:
            let client = shard.newClientID()
            clientID = client
            shard.tell(.connected(request, id: id, client: client))
        case .exchange:
            clientID = nil
            shard.tell(.received(request, Exchange(id: id)))
        }
    }

    /// The request is over (answered, ended, or its connection closes): the shard forgets it.
    mutating func finish(_ shard: Shard) {
        guard let id = take() else { return }
        shard.unregister(id)
    }

    /// The connection closes on its own account (a malformed request behind a
    /// stream, a timeout, a stop): the shard forgets the request, and the hub hears
    /// a stream is gone, as its peer's doing (it ignores one it had already
    /// forgotten, as it has a slow, dropped or shut down one).
    mutating func abandon(_ shard: Shard) {
        guard let id = take() else { return }
        shard.unregister(id)
        if clientID != nil { shard.tell(.disconnected(id: id, reason: .peer)) }
    }

    /// The id, now that the shard has forgotten it (it answered or ended the request itself).
    mutating func take() -> Int? {
        defer { id = nil }
        return id
    }

    /// The connection is gone: the shard forgets the request, and the hub hears of
    /// it if it held it as a stream.
    mutating func connectionClosed(hubHoldsStream: Bool, shard: Shard) {
        guard let id = take() else { return }
        shard.unregister(id)
        if hubHoldsStream { shard.tell(.disconnected(id: id, reason: .peer)) }
    }

    /// Gives the stream slot back once the machine no longer holds one.
    mutating func releaseSlot(unless machine: ConnectionStateMachine, server: ServerState) {
        guard holdsStreamSlot, !machine.holdsStreamSlot else { return }
        holdsStreamSlot = false
        server.releaseStreamSlot()
    }
}
