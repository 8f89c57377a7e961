import NIOCore

/// The loop-confined state of a ``RedisSubscriber``: which channels the layer above
/// wants, which the current link has confirmed, and the re-subscribing handshake.
///
/// Not thread-safe: everything here runs on the link's event loop.
final class RedisSubscriptions {
    let link: RedisLink
    /// Channels asked for and not given up, across links.
    private var wanted: Set<String> = []
    /// Channels the current link has confirmed (`["subscribe", channel, n]` seen).
    private var confirmed: Set<String> = []
    /// Messages that arrived while the handshake was still re-subscribing, held until
    /// `connected` has been reported so the layer above hears of the reconnect first.
    private var held: [(String, ByteBuffer)]? = []
    private let onMessage: (String, ByteBuffer) -> Void

    init(link: RedisLink, onMessage: @escaping (String, ByteBuffer) -> Void) {
        self.link = link
        self.onMessage = onMessage
    }

    /// Wires the link to this; once, right after init.
    func attach(onStateChange: @escaping (RedisLinkState) -> Void) {
        // Weak: the link's timers and channel callbacks may outlive a subscriber dropped without close().
        let loop = link.eventLoop
        link.prepare = { [weak self] handler in
            guard let self else { return loop.makeFailedFuture(RedisError.closed) }
            return resubscribe(on: handler, round: 0)
        }
        link.onMessage = { [weak self] channel, payload in self?.received(String(buffer: channel), payload) }
        link.onStateChange = { [weak self] state in
            guard let self else { return }
            if state == .disconnected {
                confirmed = []
                held = []
            }
            onStateChange(state)
            if state == .connected { releaseHeld() }
        }
    }

    func subscribe(_ channel: String) -> EventLoopFuture<Void> {
        wanted.insert(channel)
        if confirmed.contains(channel) && link.isConnected { return link.eventLoop.makeSucceededVoidFuture() }
        return link.send(RedisCommand(["SUBSCRIBE", channel])).assumeIsolated().flatMapThrowing { reply in
            try self.confirm(reply, kind: "subscribe", channel: channel)
        }.nonisolated()
    }

    func unsubscribe(_ channel: String) -> EventLoopFuture<Void> {
        wanted.remove(channel)
        guard link.isConnected else { return link.eventLoop.makeSucceededVoidFuture() }
        return link.send(RedisCommand(["UNSUBSCRIBE", channel])).assumeIsolated().flatMapThrowing { reply in
            try self.confirm(reply, kind: "unsubscribe", channel: channel)
        }.nonisolated()
    }

    var channels: Set<String> { wanted }

    /// Subscribes the new link to every wanted channel (pipelined), and again for any
    /// wanted meanwhile, until what is wanted is what is confirmed.
    private func resubscribe(on handler: RedisChannelHandler, round: Int) -> EventLoopFuture<Void> {
        let missing = wanted.subtracting(confirmed)
        let extra = confirmed.subtracting(wanted)
        if missing.isEmpty && extra.isEmpty { return link.eventLoop.makeSucceededVoidFuture() }
        if round > 100 { return link.eventLoop.makeFailedFuture(RedisError.reply("subscriptions keep changing")) }
        var replies: [EventLoopFuture<Void>] = []
        for (channels, kind) in [(missing, "subscribe"), (extra, "unsubscribe")] {
            for channel in channels {
                let promise = link.eventLoop.makePromise(of: RedisValue.self)
                handler.send(RedisCommand([kind.uppercased(), channel]), promise: promise)
                replies.append(
                    promise.futureResult.assumeIsolated().flatMapThrowing { reply in
                        try self.confirm(reply, kind: kind, channel: channel)
                    }.nonisolated())
            }
        }
        return EventLoopFuture.andAllSucceed(replies, on: link.eventLoop).assumeIsolated().flatMap {
            self.resubscribe(on: handler, round: round + 1)
        }.nonisolated()
    }

    /// Records Redis's confirmation `[kind, channel, count]`.
    private func confirm(_ reply: RedisValue, kind: String, channel: String) throws {
        guard let parts = reply.array, parts.count == 3, parts[0].string == kind, parts[1].string == channel else {
            throw RedisError.reply("unexpected reply to \(kind.uppercased()) \(channel): \(reply)")
        }
        if kind == "subscribe" { confirmed.insert(channel) } else { confirmed.remove(channel) }
    }

    private func received(_ channel: String, _ payload: ByteBuffer) {
        guard wanted.contains(channel) else { return }  // late, after an unsubscribe
        if held != nil {
            held!.append((channel, payload))
        } else {
            onMessage(channel, payload)
        }
    }

    private func releaseHeld() {
        let messages = held ?? []
        held = nil
        for (channel, payload) in messages where wanted.contains(channel) {
            onMessage(channel, payload)
        }
    }
}

@available(*, unavailable)
extension RedisSubscriptions: Sendable {}
