// One HTTP/1.1 connection of a load test: the request written once, the event stream read.

internal import NIOCore
internal import NIOHTTP1

/// The last handler of an HTTP/1.1 load-test connection, after NIOHTTP1's client codec: writes
/// the request when the connection is up, accepts a `200 text/event-stream` head, and counts
/// the events of the (de-chunked) body.
final class HTTP1StreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let meter: LoopMeter
    private let request: HTTPRequestHead
    private var state = StreamState.connecting
    private var events = EventCounter()

    init(meter: LoopMeter, request: HTTPRequestHead) {
        self.meter = meter
        self.request = request
    }

    func channelActive(context: ChannelHandlerContext) {
        state = .awaitingHead
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard state == .awaitingHead else { return }
            if let refusal = StreamHead.refusal(
                status: Int(head.status.code), contentType: head.headers.first(name: "content-type"))
            {
                end(.refused(refusal), context: context)
            } else {
                state = .streaming
                meter.established()
            }
        case .body(let bytes):
            if state == .streaming { events.consume(bytes, meter: meter) }
        case .end:
            end(.closed, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(.closed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if state == .streaming { meter.protocolError(FeedError.describe(error)) }
        end(.refused(FeedError.describe(error)), context: context)
    }

    private func end(_ ending: StreamHead.Ending, context: ChannelHandlerContext) {
        StreamHead.end(&state, ending, meter: meter)
        if context.channel.isActive { context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HTTP1StreamHandler: Sendable {}
