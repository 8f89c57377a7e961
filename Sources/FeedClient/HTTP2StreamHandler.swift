// One HTTP/2 stream of a load test: its request headers, then the event stream in DATA frames.

internal import NIOCore
internal import NIOHPACK
internal import NIOHTTP2

/// The handler of one HTTP/2 stream channel: sends the GET as one HEADERS frame (END_STREAM),
/// accepts `:status 200` with `content-type: text/event-stream`, and counts the events of the
/// DATA frames. Flow-control window updates are the multiplexer's.
final class HTTP2StreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let meter: LoopMeter
    private let request: HPACKHeaders
    private var state = StreamState.connecting
    private var sentRequest = false
    private var events = EventCounter()

    init(meter: LoopMeter, request: HPACKHeaders) {
        self.meter = meter
        self.request = request
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !sentRequest else { return }
        sentRequest = true
        state = .awaitingHead
        let headers = HTTP2Frame.FramePayload.Headers(headers: request, endStream: true)
        context.writeAndFlush(wrapOutboundOut(.headers(headers)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if state == .awaitingHead { accept(headers.headers, context: context) }
            if headers.endStream { end(.closed, context: context) }
        case .data(let frame):
            if state == .streaming, case .byteBuffer(let bytes) = frame.data { events.consume(bytes, meter: meter) }
            if frame.endStream { end(.closed, context: context) }
        case .rstStream(let code):
            end(.refused("the server reset the stream (\(code))"), context: context)
        default:
            break
        }
    }

    private func accept(_ headers: HPACKHeaders, context: ChannelHandlerContext) {
        let status = headers.first(name: ":status").flatMap { Int($0) } ?? 0
        guard status >= 200 else {
            return  // an informational head; the final one follows
        }
        if let refusal = StreamHead.refusal(status: status, contentType: headers.first(name: "content-type")) {
            end(.refused(refusal), context: context)
        } else {
            state = .streaming
            meter.established()
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
extension HTTP2StreamHandler: Sendable {}
