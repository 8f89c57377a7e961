import Logging
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1 client connection: a thin adapter between the channel and its
/// `ConnectionStateMachine`. It feeds the machine the decoded request parts and
/// the hub's instructions (through the shard), and performs what the machine
/// decides: answers written by `HTTP1Wire`, streams written as the hub's frames
/// are, past any HTTP encoder.
///
/// Every request handed to the hub gets a new id from the shard, so a client
/// object the script kept from an earlier request on a kept-alive connection
/// never reads a later one.
final class HTTP1Connection: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private let shard: Shard
    private let server: ServerState
    /// A connection past the descriptors' room: every request is answered `503`.
    private let refusing: Bool
    private var context: ChannelHandlerContext?
    private var machine: ConnectionStateMachine
    private var wire: HTTP1Wire
    /// Parts of the next requests that arrived while one was answered or streamed.
    private var deferred: [HTTPServerRequestPart] = []
    private var isReplaying = false
    /// The request the hub knows (a stream or a plain request).
    private var request = HubRequest()
    private var lastActivityTick: UInt32 = 0
    /// Whether closing without the stream's end is a reset (a slow client) rather than a FIN.
    private var resetsOnAbort = false

    /// How many request parts may wait while a request is answered.
    static let deferredLimit = 64

    /// The answer of a connection the descriptors leave no room for.
    private static var refusal: ConnectionStateMachine.Decision {
        var response = Response(status: .serviceUnavailable, text: "too many connections, retry later")
        response.headers.append(("Retry-After", "5"))
        return .answer(response, closeNow: true)
    }

    init(shard: Shard, server: ServerState, refusing: Bool = false) {
        self.shard = shard
        self.server = server
        self.refusing = refusing
        machine = ConnectionStateMachine(maxBody: server.configuration.maxBody)
        wire = HTTP1Wire(cors: server.configuration.cors)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        lastActivityTick = shard.tick
        shard.add(self)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let hubHoldsStream = machine.hubHoldsStream
        machine.closed()
        shard.remove(self)
        request.connectionClosed(hubHoldsStream: hubHoldsStream, shard: shard)
        request.releaseSlot(unless: machine, server: server)
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        read(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let error = error as? HTTPParserError {
            let tooLarge = error == .headerOverflow
            perform(machine.parseFailed(headTooLarge: tooLarge, maxHead: server.configuration.maxHead))
        } else if case .leftoverDataWhenDone = error as? ByteToMessageDecoderError {
            // Bytes of a next request the decoder held when it went to sleep (see `DecoderSlot`).
            perform(machine.parseFailed(headTooLarge: false, maxHead: server.configuration.maxHead))
        } else {
            server.logger.debug("closing a connection after an error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if machine.isStreaming, let id = request.id {
            shard.writabilityChanged(id, isWritable: context.channel.isWritable)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Requests

    private func read(_ part: HTTPServerRequestPart) {
        let action: ConnectionStateMachine.Action
        switch part {
        case .head(let head):
            // The request before gives its slot back before this one may take one
            // (it was answered while this head waited, deferred).
            request.releaseSlot(unless: machine, server: server)
            action = machine.receivedHead(head) {
                lastActivityTick = shard.tick
                wire.begin(head)
                return refusing ? Self.refusal : server.decide(head)
            }
            request.headTaken(machine)
        case .body(let chunk):
            action = machine.receivedBody(chunk)
        case .end:
            action = machine.receivedEnd()
        }
        perform(action, deferring: part)
    }

    private func perform(_ action: ConnectionStateMachine.Action, deferring part: HTTPServerRequestPart? = nil) {
        guard let context else { return }
        switch action {
        case .none:
            break
        case .defer:
            guard let part else { return }
            guard deferred.count < Self.deferredLimit else { return perform(machine.deferredTooMuch()) }
            deferred.append(part)
        case .sendContinue:
            context.writeAndFlush(
                wrapOutboundOut(ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
        case .forward(let head, let body, let kind):
            forward(head, body: body, kind)
        case .respond(let response, let next):
            request.finish(shard)
            shard.tally.countResponse(response.status.code)
            let bytes = wire.bytes(of: response, keepAlive: next == .readNext, allocator: context.channel.allocator)
            write(bytes, then: next)
        case .openStream:
            shard.tally.countResponse(200)
            context.write(
                wrapOutboundOut(wire.streamHead(keepAlive: machine.keepAlive, allocator: context.channel.allocator)),
                promise: nil)
            // Nothing more to read until the stream ends, unless the client sends something.
            if deferred.isEmpty { DecoderSlot.removeDecoder(before: context) }
        case .endStream(let next):
            request.finish(shard)
            write(wire.streamEnd, then: next)
        case .close:
            request.abandon(shard)
            closeGracefully()
        case .abort:
            request.abandon(shard)
            // A slow client gets a reset, not a FIN behind what the kernel still holds
            // for it (up to its send buffer, 4 MB on loopback): it learns at once,
            // reconnects with Last-Event-ID, and the kernel's memory is freed now. A
            // drop (`client:drop`) closes after what was written, as a crash would.
            let channel = context.channel
            if resetsOnAbort, let socket = channel as? SocketOptionProvider {
                socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        }
        request.releaseSlot(unless: machine, server: server)
    }

    private func forward(_ head: HTTPRequestHead, body: ByteBuffer, _ kind: ConnectionStateMachine.Kind) {
        let request = Request(head: head, body: body, peer: context?.channel.remoteAddress)
        self.request.forward(request, kind, sink: self, shard: shard, server: server)
    }

    /// Writes `bytes`; then reads the next request, or closes.
    private func write(_ bytes: ByteBuffer, then next: ConnectionStateMachine.Next) {
        guard let context else { return }
        guard next == .readNext else {
            context.write(wrapOutboundOut(bytes), promise: nil)
            return refusing ? closeOnceWritten() : closeGracefully()
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        lastActivityTick = shard.tick
        replayDeferred()
    }

    /// Feeds the machine the parts that waited, in order, until it waits again.
    private func replayDeferred() {
        guard !isReplaying else { return }
        isReplaying = true
        defer { isReplaying = false }
        while !deferred.isEmpty, machine.isAwaitingRequest {
            read(deferred.removeFirst())
        }
    }

    /// Closes as soon as what is written is taken: a refused connection must give
    /// its descriptor back at once (its request was read; nothing is left to reset).
    private func closeOnceWritten() {
        guard let context else { return }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Closes once what is written is taken, without a reset: the output is shut
    /// down first (the client reads the end), what the client still sends is
    /// read and dropped, and the connection closes when the client closes it or
    /// after `closeTimeout`.
    private func closeGracefully() {
        guard let context else { return }
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: written)
        let giveUp = context.eventLoop.scheduleTask(in: server.configuration.closeTimeout) {
            channel.close(promise: nil)
        }
        written.futureResult.whenComplete { _ in
            let halfClosed = channel.eventLoop.makePromise(of: Void.self)
            channel.close(mode: .output, promise: halfClosed)
            halfClosed.futureResult.whenFailure { _ in channel.close(promise: nil) }
        }
        channel.closeFuture.whenComplete { _ in giveUp.cancel() }
    }

}

// MARK: The shard's side

extension HTTP1Connection: StreamSink {
    func openStream(greeting: Bool) -> Bool {
        let action = machine.streamOpened()
        guard case .openStream = action else { return false }
        perform(action)
        if greeting { _ = write(StreamGreeting.frame) }
        return true
    }

    func write(_ frame: Frame) -> Bool {
        guard machine.isStreaming, let context else { return false }
        context.write(wrapOutboundOut(wire.bytes(of: frame)), promise: nil)
        return true
    }

    func flush() -> Int? {
        guard let context else { return nil }
        context.flush()
        guard !context.channel.isWritable else { return nil }
        return (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    func respond(_ response: Response) {
        _ = request.take()  // the shard has forgotten it
        perform(machine.hubResponded(response))
    }

    func endStream() {
        _ = request.take()
        perform(machine.streamEnded())
    }

    func disconnectSlow(queuedInHub: Int) {
        let id = request.take()
        guard case .abort = machine.tooSlow() else { return }
        let buffered = (try? context?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        server.slowClientDisconnected(
            id: request.clientID, path: request.path, pending: buffered + queuedInHub, protocolName: "HTTP/1")
        if let id { shard.tell(.disconnected(id: id, reason: .slow)) }
        resetsOnAbort = true
        perform(.abort)
    }

    func abort() {
        _ = request.take()
        guard case .abort = machine.dropped() else { return }
        context?.flush()
        perform(.abort)
    }
}

extension HTTP1Connection: ShardConnection {
    func hasWaited(_ ticks: UInt32, at tick: UInt32) -> Bool {
        // A refused connection holds a descriptor the server is short of: a second for its request.
        let patience = refusing ? min(ticks, Shard.ticks(.seconds(1), of: shard.tickLength)) : ticks
        return machine.isAwaitingRequest && tick &- lastActivityTick >= patience
    }

    func timeOut() {
        perform(machine.timedOut())
    }

    func shutdown() -> EventLoopFuture<Void>? {
        let closed = context?.channel.closeFuture
        // The hub hears why first: closing may tell it the connection went (as its peer's doing).
        if machine.hubHoldsStream, let stream = request.id { shard.tell(.disconnected(id: stream, reason: .shutdown)) }
        perform(machine.shutdown())
        return closed
    }
}

@available(*, unavailable)
extension HTTP1Connection: Sendable {}
