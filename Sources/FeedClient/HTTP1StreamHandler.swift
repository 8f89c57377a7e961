// One HTTP/1.1 connection of a load test: the request written once, the event stream read.

internal import NIOCore

/// The only handler of an HTTP/1.1 load-test connection (after TLS, if any): writes the
/// request, encoded once for all connections, when the connection is up; stamps each read
/// for the loop's meter; reads the response head and the body's framing
/// (`ResponseHeadReader`, `BodyFraming`; why not NIOHTTP1's codec is said there); and counts
/// the events of the body with `EventStreamParser`.
final class HTTP1StreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let meter: LoopMeter
    private let request: ByteBuffer
    private var state = StreamState.connecting
    private var head = ResponseHeadReader()
    private var body = BodyFraming(.untilClose)
    private var events = EventCounter()

    init(meter: LoopMeter, request: ByteBuffer) {
        self.meter = meter
        self.request = request
    }

    func channelActive(context: ChannelHandlerContext) {
        state = .awaitingHead
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        meter.read(byteCount: bytes.readableBytes)
        if state == .awaitingHead {
            readHead(&bytes, context: context)
        }
        while state == .streaming {
            switch body.next(&bytes) {
            case .payload(let payload):
                events.consume(payload, meter: meter)
            case .needMore:
                return
            case .end:
                end(.closed, context: context)
            case .invalid(let reason):
                meter.protocolError(reason)
                end(.closed, context: context)
            }
        }
    }

    private func readHead(_ bytes: inout ByteBuffer, context: ChannelHandlerContext) {
        switch head.read(&bytes) {
        case .incomplete:
            return
        case .invalid(let reason):
            meter.protocolError(reason)
            end(.refused(reason), context: context)
        case .complete(let response):
            if let refusal = StreamHead.refusal(status: response.status, contentType: response.contentType) {
                end(.refused(refusal), context: context)
            } else {
                state = .streaming
                body = BodyFraming(response.framing)
                meter.established()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(.closed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        meter.note(FeedError.describe(error))
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
