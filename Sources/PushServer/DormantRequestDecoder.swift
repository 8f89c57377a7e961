import NIOCore
import NIOHTTP1

/// Where an HTTP/1 connection's request decoder sits while its stream is open
/// and the client sends nothing, which is what an SSE client does.
///
/// NIO's decoder with its parser and buffers is about 1.8 KB a connection, kept for
/// as long as it stays in the pipeline. Once a stream is open it has nothing to
/// read, so the connection takes it out (`sleep`) and puts this handler in its
/// place (about 150 bytes with its context). The first bytes the client sends
/// (a pipelined request, or garbage) bring a new decoder back (`channelRead`):
/// it gets those bytes and everything after, and the connection goes on as if
/// the decoder had been there all along: parts of a next request wait for the
/// stream's end, bytes that do not parse close the connection.
///
/// The decoder leaves only when no part of a next request waits (the connection
/// defers none). One thing it cannot hand over: a next request it had begun to
/// parse but not finished (a pipelined request cut in two, its first part sent
/// before the stream's head went out). Its bytes cannot be parsed again without
/// what the decoder already read, so the decoder reports them as an error (or
/// the next decoder finds the rest malformed), and the connection closes as for
/// a request that does not parse. Browsers do not pipeline.
final class DormantRequestDecoder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limits: NIOHTTPDecoderLimitConfiguration
    /// The decoder is on its way out: what it still decodes passes through as it is.
    private var decoderLeaving = true

    private init(limits: NIOHTTPDecoderLimitConfiguration) {
        self.limits = limits
    }

    /// NIO's request decoder, in front of the connection's handler.
    static func decoder(limits: NIOHTTPDecoderLimitConfiguration) -> ByteToMessageHandler<HTTPRequestDecoder> {
        ByteToMessageHandler(
            HTTPRequestDecoder(
                leftOverBytesStrategy: .fireError, informationalResponseStrategy: .drop, limitConfiguration: limits))
    }

    /// Takes the decoder out of `context`'s pipeline (that of the connection's
    /// handler) and puts a dormant one in its place. Does nothing if it is not there.
    static func sleep(before context: ChannelHandlerContext, limits: NIOHTTPDecoderLimitConfiguration) {
        let pipeline = context.pipeline.syncOperations
        guard let decoder = try? pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        else { return }
        let dormant = DormantRequestDecoder(limits: limits)
        do {
            try pipeline.addHandler(dormant, position: .before(context.handler))
        } catch {
            return
        }
        let removed = context.eventLoop.makePromise(of: Void.self)
        // Whether removed or torn down with its channel, the decoder is gone.
        removed.futureResult.assumeIsolated().whenComplete { _ in dormant.decoderLeaving = false }
        pipeline.removeHandler(context: decoder, promise: removed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // While the decoder leaves, it decodes what it still holds: request parts, on their way on.
        guard !decoderLeaving else { return context.fireChannelRead(data) }
        do {
            try context.pipeline.syncOperations.addHandler(Self.decoder(limits: limits), position: .after(self))
        } catch {
            return context.close(promise: nil)
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

@available(*, unavailable)
extension DormantRequestDecoder: Sendable {}
