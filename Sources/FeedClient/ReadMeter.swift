// The first handler of each load-test connection: counts the bytes of each read and stamps its time.

internal import NIOCore
internal import NIOTLS

/// Sits next to the socket (or the TLS handler): every read passes through once, is counted
/// (wire bytes, chunk framing included, as `ssebench` counts) and stamps the loop's meter with
/// the time, which the events it brings take as their arrival time. Passes everything on.
///
/// With TLS, also checks that ALPN chose the protocol the connection will speak, and closes the
/// connection if not (its streams then fail, the meter's first error saying why).
final class ReadMeter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let meter: LoopMeter
    private let requiredProtocol: String?

    init(meter: LoopMeter, requiredProtocol: String? = nil) {
        self.meter = meter
        self.requiredProtocol = requiredProtocol
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        meter.read(byteCount: unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    /// A connection-wide error (TLS, most often) is the cause of its streams' failures: noted first.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        meter.note(FeedError.describe(error))
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let requiredProtocol, case .handshakeCompleted(let negotiated) = event as? TLSUserEvent,
            negotiated != requiredProtocol
        {
            meter.note(ALPNMismatch(wanted: requiredProtocol, negotiated: negotiated).description)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension ReadMeter: Sendable {}

/// TLS came up, but ALPN did not choose the protocol the load test speaks.
struct ALPNMismatch: Error, CustomStringConvertible {
    var wanted: String
    var negotiated: String?

    var description: String {
        "the server did not agree to \(wanted) in the TLS handshake (ALPN chose \(negotiated ?? "nothing"))"
    }
}
