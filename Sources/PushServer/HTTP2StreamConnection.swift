import Logging
import NIOCore
import NIOHTTP1

/// One HTTP/2 stream: one request, answered or streamed, on a child channel of
/// an HTTP/2 connection. The same `ConnectionStateMachine` as an HTTP/1
/// connection decides; `HTTP2Wire` writes. After its response or the end of its
/// stream, the stream is done (its connection goes on carrying the others).
///
/// HTTP/2 flow control counts toward the stream's write budget: the child
/// channel turns unwritable when what waits for the peer's window passes
/// `--client-buffer`, and the bytes written since then are counted as waiting
/// (the channel cannot say how many are), so a stream that grants no window is
/// handled as a slow client.
final class HTTP2StreamConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let shard: Shard
    private let server: ServerState
    private var context: ChannelHandlerContext?
    private var machine: ConnectionStateMachine
    private var wire: HTTP2Wire
    /// The request the hub knows (a stream or a plain request).
    private var request = HubRequest()
    private var startTick: UInt32 = 0
    /// Bytes written since the channel last became unwritable (nil while writable).
    private var writtenWhileUnwritable: Int?

    init(shard: Shard, server: ServerState) {
        self.shard = shard
        self.server = server
        machine = ConnectionStateMachine(maxBody: server.configuration.maxBody)
        wire = HTTP2Wire(cors: server.configuration.cors)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        startTick = shard.tick
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
        let action: ConnectionStateMachine.Action
        switch unwrapInboundIn(data) {
        case .head(let head):
            action = machine.receivedHead(head) {
                wire.begin(head)
                return server.decide(head)
            }
            request.headTaken(machine)
        case .body(let chunk):
            action = machine.receivedBody(chunk)
        case .end:
            action = machine.receivedEnd()
        }
        perform(action)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        server.logger.debug("closing an HTTP/2 stream after an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let isWritable = context.channel.isWritable
        writtenWhileUnwritable = isWritable ? nil : (writtenWhileUnwritable ?? 0)
        if machine.isStreaming, let id = request.id { shard.writabilityChanged(id, isWritable: isWritable) }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Actions

    private func perform(_ action: ConnectionStateMachine.Action) {
        guard let context else { return }
        switch action {
        case .none:
            break
        case .defer:
            // One request per stream: anything after it is a protocol error.
            context.close(promise: nil)
        case .sendContinue:
            let head = HTTPResponseHead(version: .http2, status: .continue)
            context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        case .forward(let head, let body, let kind):
            forward(head, body: body, kind)
        case .respond(let response, let next):
            request.finish(shard)
            shard.tally.countResponse(response.status.code)
            let (head, body) = wire.parts(of: response)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            if next == .close { closeOnceTheClientIsDone(context) }
        case .openStream:
            shard.tally.countResponse(200)
            context.write(wrapOutboundOut(.head(wire.streamHead())), promise: nil)
        case .endStream:
            request.finish(shard)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .close, .abort:
            request.abandon(shard)
            context.close(promise: nil)
        }
        request.releaseSlot(unless: machine, server: server)
    }

    /// Answered before its request was read whole (413, 408): what the client
    /// still sends of it is read and dropped until it ends the request (the stream
    /// then closes, both sides done), for at most `closeTimeout`; then the stream is
    /// reset. Resetting at once races the response: a client still sending its body
    /// (curl) may see the reset first and report a stream error, not the 413. As an
    /// HTTP/1 connection's close reads what the client still sends, for at most 2 s.
    private func closeOnceTheClientIsDone(_ context: ChannelHandlerContext) {
        let channel = context.channel
        let reset = context.eventLoop.scheduleTask(in: server.configuration.closeTimeout) {
            channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in reset.cancel() }
    }

    private func forward(_ head: HTTPRequestHead, body: ByteBuffer, _ kind: ConnectionStateMachine.Kind) {
        var forwarded = Request(
            head: head, body: body, peer: context?.channel.parent?.remoteAddress)
        forwarded.protocolName = "h2"
        request.forward(forwarded, kind, sink: self, shard: shard, server: server)
    }

}

// MARK: The shard's side

extension HTTP2StreamConnection: StreamSink {
    func openStream(greeting: Bool) -> Bool {
        let action = machine.streamOpened()
        guard case .openStream = action else { return false }
        perform(action)
        if greeting { _ = write(StreamGreeting.frame) }
        return true
    }

    func write(_ frame: Frame) -> Bool {
        guard machine.isStreaming, let context else { return false }
        context.write(wrapOutboundOut(.body(.byteBuffer(frame.payload))), promise: nil)
        if let written = writtenWhileUnwritable { writtenWhileUnwritable = written + frame.payload.readableBytes }
        return true
    }

    func flush() -> Int? {
        guard let context else { return nil }
        context.flush()
        guard !context.channel.isWritable else { return nil }
        return server.configuration.clientBuffer + (writtenWhileUnwritable ?? 0)
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
        let waiting = context?.channel.isWritable == false ? server.configuration.clientBuffer : 0
        server.slowClientDisconnected(
            id: request.clientID, path: request.path, pending: waiting + (writtenWhileUnwritable ?? 0) + queuedInHub,
            protocolName: "HTTP/2")
        if let id { shard.tell(.disconnected(id: id, reason: .slow)) }
        perform(.abort)
    }

    /// Resets the stream (`RST_STREAM` with `CANCEL`); the connection goes on.
    func abort() {
        _ = request.take()
        guard case .abort = machine.dropped() else { return }
        context?.flush()
        perform(.abort)
    }
}

extension HTTP2StreamConnection: ShardConnection {
    func hasWaited(_ ticks: UInt32, at tick: UInt32) -> Bool {
        machine.isAwaitingRequest && tick &- startTick >= ticks
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
extension HTTP2StreamConnection: Sendable {}
