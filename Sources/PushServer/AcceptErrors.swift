import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// On the listening channel: when `accept` fails for want of descriptors
/// (`EMFILE` for this process, `ENFILE` for the whole system), one warning for the
/// burst, and a line when connections are accepted again; serving goes on.
///
/// Between attempts it stops reading the listening socket for a moment, so the
/// loop does not spin on a socket it cannot take from (measured: 64,000 failed
/// `accept`s a second otherwise). NIO's `AcceptBackoffHandler` cannot do it here:
/// it delays the next `read`, and a failed `accept` leaves the read pending, so
/// no next `read` ever comes; turning `autoRead` off takes the socket out of the
/// poll set until it is turned on again.
final class AcceptErrors: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let logger: Logger
    private let pause: TimeAmount
    /// Accept attempts that failed since the last connection accepted.
    private var failed = 0
    private var resuming: Scheduled<Void>?

    init(logger: Logger, pause: TimeAmount = .milliseconds(100)) {
        self.logger = logger
        self.pause = pause
    }

    static func isLackOfDescriptors(_ error: IOError) -> Bool {
        error.errnoCode == EMFILE || error.errnoCode == ENFILE
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if failed > 0 {
            logger.notice("accepting connections again (\(failed) attempts failed for want of descriptors)")
            failed = 0
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let error = error as? IOError, Self.isLackOfDescriptors(error) else {
            return context.fireErrorCaught(error)
        }
        if failed == 0 {
            logger.warning(
                "cannot accept connections: \(String(cString: strerror(error.errnoCode))) (ulimit -n \(DescriptorLimit.soft)); new connections wait until descriptors are freed"
            )
        }
        failed += 1
        pauseAccepting(context)
    }

    private func pauseAccepting(_ context: ChannelHandlerContext) {
        guard resuming == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        let channel = context.channel
        resuming = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [self] in
            resuming = nil
            try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resuming?.cancel()
        resuming = nil
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension AcceptErrors: Sendable {}
