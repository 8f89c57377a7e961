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
            return try pipeline.addHandler(DecoderSlot(shard: shard, state: state, sniffing: true))
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

    /// The decoder's slot, NIO's request decoder (with the head-size limit), then the
    /// connection handler (`refusing`: one that answers `503` to whatever it is asked,
    /// then closes). While a stream is open, the slot is empty (`DecoderSlot`).
    static func addHTTP1(to channel: Channel, shard: Shard, state: ServerState, refusing: Bool = false) throws {
        try channel.pipeline.syncOperations.addHandler(DecoderSlot(shard: shard, state: state, sniffing: false))
        try addBehindSlot(to: channel, shard: shard, state: state, refusing: refusing)
    }

    /// The decoder and the connection handler, behind the `DecoderSlot` that ends the
    /// pipeline (added above, or the sniffing one that found HTTP/1).
    static func addBehindSlot(to channel: Channel, shard: Shard, state: ServerState, refusing: Bool = false) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(DecoderSlot.decoder(state.configuration))
        try pipeline.addHandler(HTTP1Connection(shard: shard, server: state, refusing: refusing))
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
