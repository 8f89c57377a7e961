// One TCP connection of an HTTP/2 load test, carrying up to --streams-per-connection streams.

internal import NIOCore
internal import NIOHTTP2
internal import NIOPosix
internal import NIOSSL

/// The streams given to one HTTP/2 connection: opened at once when it is up, or when it comes
/// up; counted as connect errors if it never does. Used only on its loop.
final class HTTP2Connection {
    private let plan: ConnectionPlan
    private let meter: LoopMeter
    private let loop: any EventLoop
    /// Streams given to this connection so far.
    private(set) var assigned = 0
    private var waiting = 0
    private var isUp = false
    private var multiplexer: NIOHTTP2Handler.StreamMultiplexer?
    private var failure: String?

    init(plan: ConnectionPlan, meter: LoopMeter, loop: any EventLoop) {
        self.plan = plan
        self.meter = meter
        self.loop = loop
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
            }
        }.connect(to: plan.address)
        connecting.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                this.value.connected()
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

    private func connected() {
        isUp = true
        for _ in 0..<waiting { openStream() }
        waiting = 0
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
