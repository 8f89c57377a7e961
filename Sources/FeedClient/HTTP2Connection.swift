// One TCP connection of an HTTP/2 load test, carrying up to --streams-per-connection streams.

internal import NIOCore
internal import NIOHTTP2
internal import NIOPosix
internal import NIOSSL

/// The streams given to one HTTP/2 connection. They are opened once the server's first
/// SETTINGS frame is in, as many as its `SETTINGS_MAX_CONCURRENT_STREAMS` allows; the others go
/// back to the opener (`overflow`) for another connection. If the connection never comes up,
/// or closes before, its waiting streams count as connect errors. Used only on its loop.
final class HTTP2Connection {
    private let plan: ConnectionPlan
    private let meter: LoopMeter
    private let loop: any EventLoop
    /// Streams given to this connection so far, and how many it may carry.
    private(set) var assigned = 0
    private(set) var capacity: Int
    private var waiting = 0
    private var isUp = false
    private var multiplexer: NIOHTTP2Handler.StreamMultiplexer?
    private var failure: String?
    /// Takes back streams beyond the server's limit.
    private let overflow: (Int) -> Void

    init(plan: ConnectionPlan, meter: LoopMeter, loop: any EventLoop, overflow: @escaping (Int) -> Void) {
        self.plan = plan
        self.meter = meter
        self.loop = loop
        self.overflow = overflow
        capacity = plan.streamsPerConnection
    }

    /// Starts the TCP connection (and TLS with ALPN `h2`, or HTTP/2 by prior knowledge for http).
    func connect(index: Int) -> EventLoopFuture<any Channel> {
        let this = NIOLoopBound(self, eventLoop: loop)
        let meter = NIOLoopBound(self.meter, eventLoop: loop)
        let plan = self.plan
        let connecting = plan.bootstrap(on: loop, index: index) { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                if let tls = plan.tls {
                    try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: plan.target.serverName))
                }
                try pipeline.addHandler(ReadMeter(meter: meter.value, requiredProtocol: plan.tls == nil ? nil : "h2"))
                this.value.multiplexer = try pipeline.configureHTTP2Pipeline(
                    mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
                ) { pushed in pushed.close() }
                try pipeline.addHandler(ServerSettingsWatcher { this.value.settingsArrived(maxConcurrentStreams: $0) })
            }
        }.connect(to: plan.address)
        connecting.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.assumeIsolated().whenComplete { _ in this.value.fail("the connection closed") }
            case .failure(let error):
                this.value.fail(FeedError.describe(error))
            }
        }
        return connecting
    }

    /// Gives this connection one more stream.
    func assign() {
        assigned += 1
        if let failure {
            meter.failed(connecting: true, failure)
        } else if isUp {
            openStream()
        } else {
            waiting += 1
        }
    }

    /// The server's first SETTINGS: open the waiting streams it allows, hand the rest back.
    private func settingsArrived(maxConcurrentStreams: Int?) {
        guard failure == nil, !isUp else { return }
        isUp = true
        capacity = min(capacity, maxConcurrentStreams ?? Int.max)
        let excess = max(0, assigned - capacity)
        let opening = waiting - excess
        assigned -= excess
        waiting = 0
        for _ in 0..<opening { openStream() }
        if excess > 0 { overflow(excess) }
    }

    private func fail(_ reason: String) {
        guard failure == nil else { return }
        failure = reason
        isUp = false
        multiplexer = nil
        for _ in 0..<waiting { meter.failed(connecting: true, reason) }
        waiting = 0
    }

    private func openStream() {
        guard let multiplexer else { return }
        let meter = NIOLoopBound(self.meter, eventLoop: loop)
        let request = plan.http2Request
        let created = loop.makePromise(of: (any Channel).self)
        multiplexer.createStreamChannel(promise: created) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2StreamHandler(meter: meter.value, request: request))
            }
        }
        created.futureResult.assumeIsolated().whenFailure { error in
            meter.value.failed(connecting: true, FeedError.describe(error))
        }
    }
}

/// Reports the `SETTINGS_MAX_CONCURRENT_STREAMS` of the server's first SETTINGS frame (nil
/// when it sets no limit), which NIOHTTP2 passes on the connection's pipeline.
private final class ServerSettingsWatcher: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private var report: ((Int?) -> Void)?

    init(_ report: @escaping (Int?) -> Void) {
        self.report = report
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .settings(.settings(let settings)) = unwrapInboundIn(data).payload, let report else { return }
        self.report = nil
        report(settings.last { $0.parameter == .maxConcurrentStreams }?.value)
    }
}

@available(*, unavailable)
extension ServerSettingsWatcher: Sendable {}
