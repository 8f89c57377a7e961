import NIOCore
import NIOHTTP1

/// The first handler of a connection's HTTP/1 pipeline, where its request decoder
/// is put and taken out again. It reads all the connection's bytes before the
/// decoder does, and is in one of three states:
///
/// - **sniffing** (a clear-text connection's first bytes): HTTP/1.1, unless they are
///   the HTTP/2 connection preface (`PRI * HTTP/2.0...`: prior knowledge, as `curl
///   --http2-prior-knowledge` and proxies speaking h2c send). It waits for enough
///   bytes to tell. For HTTP/2 it adds swift-nio-http2's handlers, passes on what it
///   read and steps aside; for HTTP/1 it adds NIO's decoder and the connection's
///   handler behind it. Comparing 24 constant bytes is all the protocol code here.
///   A connection that sends nothing is closed after the request timeout.
/// - **decoding**: bytes go on to the decoder.
/// - **empty**: while a stream is open and the client sends nothing, which is what an
///   SSE client does, the connection takes the decoder out (`removeDecoder(before:)`): NIO's
///   decoder with its parser and buffers is about 1.8 KB a connection. The first
///   bytes the client sends (a pipelined request, or garbage) bring a new decoder
///   back: it gets those bytes and everything after, and the connection goes on as
///   if the decoder had been there all along: parts of a next request wait for the
///   stream's end, bytes that do not parse close the connection. Until NIO has
///   taken the old decoder out (a tick later, when it is not decoding), bytes still
///   go to it.
///
/// One handler for both jobs, which stays for the connection's life: a storm's
/// connection no longer adds a dormant handler and removes a sniffer (two of its six
/// pipeline changes, each a few thousand instructions).
///
/// The decoder leaves only when no part of a next request waits (the connection
/// defers none). One thing it cannot hand over: a next request it had begun to
/// parse but not finished (a pipelined request cut in two, its first part sent
/// before the stream's head went out). Its bytes cannot be parsed again without
/// what the decoder already read, so the decoder reports them as an error (or
/// the next decoder finds the rest malformed), and the connection closes as for
/// a request that does not parse. Browsers do not pipeline.
final class DecoderSlot: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case sniffing(ByteBuffer?)
        case decoding
        case empty
    }

    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    private let shard: Shard
    private let state: ServerState
    private var slot: State
    private var context: ChannelHandlerContext?
    private var startTick: UInt32 = 0

    /// `sniffing`: a clear-text connection's, which may be HTTP/2; else the decoder
    /// is added behind it with the connection's handler (`ConnectionPipeline.addHTTP1`).
    init(shard: Shard, state: ServerState, sniffing: Bool) {
        self.shard = shard
        self.state = state
        slot = sniffing ? .sniffing(nil) : .decoding
    }

    /// Whether the decoder is out (for tests).
    var isEmpty: Bool {
        if case .empty = slot { return true }
        return false
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        guard case .sniffing = slot else { return }
        startTick = shard.tick
        shard.add(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        shard.remove(self)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        shard.remove(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch slot {
        case .decoding:
            context.fireChannelRead(data)
        case .empty:
            let pipeline = context.pipeline.syncOperations
            // The decoder taken out is still there until NIO has removed it.
            guard (try? pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)) == nil else {
                return context.fireChannelRead(data)
            }
            do {
                try pipeline.addHandler(Self.decoder(state.configuration), position: .after(self))
            } catch {
                return context.close(promise: nil)
            }
            slot = .decoding
            context.fireChannelRead(data)
        case .sniffing(let buffered):
            sniff(context, buffered: buffered, unwrapInboundIn(data))
        }
    }

    private func sniff(_ context: ChannelHandlerContext, buffered: ByteBuffer?, _ bytes: ByteBuffer) {
        var bytes = bytes
        if var buffered {
            buffered.writeBuffer(&bytes)
            bytes = buffered
        }
        let count = min(bytes.readableBytes, Self.preface.count)
        let isHTTP2 = bytes.readableBytesView.prefix(count).elementsEqual(Self.preface.prefix(count))
        if isHTTP2 && count < Self.preface.count {
            slot = .sniffing(bytes)
            return
        }
        shard.remove(self)
        slot = .decoding
        do {
            if isHTTP2 {
                try ConnectionPipeline.addHTTP2(to: context.channel, shard: shard, state: state)
            } else {
                try ConnectionPipeline.addBehindSlot(to: context.channel, shard: shard, state: state)
            }
        } catch {
            return context.close(promise: nil)
        }
        context.fireChannelRead(wrapInboundOut(bytes))
        if isHTTP2 { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }

    /// NIO's request decoder, with the server's head-size limit for the whole head and for each header.
    static func decoder(_ configuration: PushServer.Configuration) -> ByteToMessageHandler<HTTPRequestDecoder> {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxHead
        limits.maxHeaderFieldSize = configuration.maxHead
        return ByteToMessageHandler(
            HTTPRequestDecoder(
                leftOverBytesStrategy: .fireError, informationalResponseStrategy: .drop, limitConfiguration: limits))
    }

    /// Takes the decoder out from before `context`'s handler (the connection's), its
    /// slot left empty. Does nothing if it is not there.
    static func removeDecoder(before context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        guard let slot = try? pipeline.handler(type: DecoderSlot.self),
            let decoder = try? pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        else { return }
        slot.slot = .empty
        pipeline.removeHandler(context: decoder, promise: nil)
    }
}

extension DecoderSlot: RemovableChannelHandler {}

extension DecoderSlot: ShardConnection {
    func hasWaited(_ ticks: UInt32, at tick: UInt32) -> Bool { tick &- startTick >= ticks }

    func timeOut() { context?.close(promise: nil) }

    func shutdown() -> EventLoopFuture<Void>? {
        let closed = context?.channel.closeFuture
        context?.close(promise: nil)
        return closed
    }
}

@available(*, unavailable)
extension DecoderSlot: Sendable {}
