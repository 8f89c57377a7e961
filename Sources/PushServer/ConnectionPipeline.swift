import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// How a new connection's pipeline is built, per transport: over TLS, ALPN picks
/// `h2` or `http/1.1`; in clear, HTTP/1.1 unless the client opens with the
/// HTTP/2 preface (prior knowledge, `h2c`). Called on the channel's loop.
///
/// A connection past what the descriptors leave room for is answered `503` in
/// clear (its first request is read, as HTTP/1) and closed; over TLS it is closed
/// at once, before a handshake it would not be worth.
enum ConnectionPipeline {
    static func configure(_ channel: Channel, shard: Shard, state: ServerState) throws {
        shard.tally.accepted += 1
        let pipeline = channel.pipeline.syncOperations
        let admitted = state.admitConnection(channel)
        guard let tls = state.configuration.tls else {
            guard admitted else { return try addHTTP1(to: channel, shard: shard, state: state, refusing: true) }
            return try pipeline.addHandler(PriorKnowledgeSniffer(shard: shard, state: state))
        }
        guard admitted else { return channel.close(promise: nil) }
        try pipeline.addHandler(NIOSSLServerHandler(context: tls()))
        let negotiating = ApplicationProtocolNegotiationHandler { result, channel in
            channel.eventLoop.makeCompletedFuture {
                if case .negotiated("h2") = result {
                    try addHTTP2(to: channel, shard: shard, state: state)
                } else {
                    try addHTTP1(to: channel, shard: shard, state: state)
                }
            }
        }
        try pipeline.addHandler(negotiating)
        // A client that never completes its TLS handshake is closed after the request timeout.
        let timeout = channel.eventLoop.scheduleTask(in: state.configuration.requestTimeout) {
            if (try? channel.pipeline.syncOperations.handler(type: ApplicationProtocolNegotiationHandler.self)) != nil {
                shard.tally.timedOut += 1
                channel.close(promise: nil)
            }
        }
        channel.closeFuture.whenComplete { _ in timeout.cancel() }
    }

    /// NIO's request decoder (with the head-size limit), then the connection handler
    /// (`refusing`: one that answers `503` to whatever it is asked, then closes).
    /// While a stream is open, the decoder sleeps (`DormantRequestDecoder`).
    static func addHTTP1(to channel: Channel, shard: Shard, state: ServerState, refusing: Bool = false) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(DormantRequestDecoder.decoder(limits: decoderLimits(state.configuration)))
        try pipeline.addHandler(HTTP1Connection(shard: shard, server: state, refusing: refusing))
    }

    /// The decoder's limits: the head-size limit for the whole head and for each header.
    static func decoderLimits(_ configuration: PushServer.Configuration) -> NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxHead
        limits.maxHeaderFieldSize = configuration.maxHead
        return limits
    }

    /// swift-nio-http2 with the server's settings and its flood protections, a
    /// connection manager for graceful stops (GOAWAY) and idle connections, and
    /// each stream on a child channel: the HTTP/1 codec, then the stream handler.
    static func addHTTP2(to channel: Channel, shard: Shard, state: ServerState) throws {
        let configuration = state.configuration
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: configuration.maxHead),
        ]
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.outboundBufferSizeHighWatermark = configuration.clientBuffer
        stream.outboundBufferSizeLowWatermark = configuration.clientBuffer / 2
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: configuration.requestTimeout, maxAge: nil, maxGraceTime: configuration.closeTimeout,
                keepalive: nil))
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: stream,
            streamDelegate: StreamDelegateGuard(manager.http2StreamDelegate)
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try stream.pipeline.syncOperations.addHandler(HTTP2StreamConnection(shard: shard, server: state))
            }
        }
        try channel.pipeline.syncOperations.addHandler(manager)
        try channel.pipeline.syncOperations.addHandler(
            HTTP2Connection(shard: shard, closeTimeout: configuration.closeTimeout))
    }
}

/// An HTTP/2 connection as the shard knows it: on a graceful stop it asks the
/// connection manager to quiesce (GOAWAY, then close once its streams, which the
/// shard ends too, are done). Its streams time out on their own.
final class HTTP2Connection: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let shard: Shard
    private let closeTimeout: TimeAmount
    private var channel: Channel?

    init(shard: Shard, closeTimeout: TimeAmount) {
        self.shard = shard
        self.closeTimeout = closeTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        shard.add(self)
    }

    func channelInactive(context: ChannelHandlerContext) {
        shard.remove(self)
        channel = nil
        context.fireChannelInactive()
    }

    /// A connection error (a flood, a protocol violation): swift-nio-http2 has sent
    /// GOAWAY with its code; the connection is closed.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

extension HTTP2Connection: ShardConnection {
    func hasWaited(_ ticks: UInt32, at tick: UInt32) -> Bool { false }

    func timeOut() {}

    func shutdown() -> EventLoopFuture<Void>? {
        guard let channel else { return nil }
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        // The manager waits for the client to acknowledge its PING before it counts
        // its grace time: a client that never does is closed anyway.
        let giveUp = channel.eventLoop.scheduleTask(in: closeTimeout) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in giveUp.cancel() }
        return channel.closeFuture
    }
}

@available(*, unavailable)
extension HTTP2Connection: Sendable {}

/// In clear, a connection is HTTP/1.1 unless its first bytes are the HTTP/2
/// connection preface (`PRI * HTTP/2.0...`: prior knowledge, as `curl
/// --http2-prior-knowledge` and proxies speaking h2c send). It waits for enough
/// bytes to tell, adds the handlers of the one it is, passes on what it read and
/// steps aside. Comparing 24 constant bytes is all the protocol code here;
/// swift-nio-http2 and NIO's HTTP/1 decoder parse the rest. A connection that
/// sends nothing is closed after the request timeout.
final class PriorKnowledgeSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    private let shard: Shard
    private let state: ServerState
    private var buffered: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var startTick: UInt32 = 0

    init(shard: Shard, state: ServerState) {
        self.shard = shard
        self.state = state
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        startTick = shard.tick
        shard.add(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shard.remove(self)
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var buffered {
            self.buffered = nil
            buffered.writeBuffer(&bytes)
            bytes = buffered
        }
        let prefix = Array(bytes.readableBytesView.prefix(Self.preface.count))
        let isHTTP2 = prefix == Array(Self.preface.prefix(prefix.count))
        if isHTTP2 && prefix.count < Self.preface.count {
            buffered = bytes
            return
        }
        do {
            if isHTTP2 {
                try ConnectionPipeline.addHTTP2(to: context.channel, shard: shard, state: state)
            } else {
                try ConnectionPipeline.addHTTP1(to: context.channel, shard: shard, state: state)
            }
        } catch {
            return context.close(promise: nil)
        }
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        shard.remove(self)
        context.fireChannelInactive()
    }
}

extension PriorKnowledgeSniffer: ShardConnection {
    func hasWaited(_ ticks: UInt32, at tick: UInt32) -> Bool { tick &- startTick >= ticks }

    func timeOut() { context?.close(promise: nil) }

    func shutdown() -> EventLoopFuture<Void>? {
        let closed = context?.channel.closeFuture
        context?.close(promise: nil)
        return closed
    }
}

@available(*, unavailable)
extension PriorKnowledgeSniffer: Sendable {}
