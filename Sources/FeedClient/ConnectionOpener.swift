// Opens one event loop's share of a load test's streams at the ramp's pace, and closes them at the end.

internal import NIOCore
internal import NIOPosix
internal import NIOSSL

/// One loop's connections: opens its share of the streams (all at once in batches of 256 per
/// loop turn, or `perSecond` a second), keeps the TCP channels, and closes them at the end.
/// Used only on its loop.
final class ConnectionOpener {
    private let plan: ConnectionPlan
    let meter: LoopMeter
    private let loop: any EventLoop
    /// This loop's share of the ramp, in streams per second; nil opens them as fast as it can.
    private let perSecond: Double?
    /// Spreads this loop's TCP connections over the source addresses: loop `n` of `m` numbers them n, n+m, …
    private let loopIndex: Int
    private let loopCount: Int
    private var opened = 0
    private var tcpIndex = 0
    private var channels: [any Channel] = []
    private var http2Connection: HTTP2Connection?
    private var stopped = false

    private static let batch = 256

    init(
        plan: ConnectionPlan, meter: LoopMeter, loop: any EventLoop, perSecond: Double?, loopIndex: Int, loopCount: Int
    ) {
        self.plan = plan
        self.meter = meter
        self.loop = loop
        self.perSecond = perSecond
        self.loopIndex = loopIndex
        self.loopCount = loopCount
    }

    /// Whether every stream is open and has ended (all failed, or the server closed them all).
    var isSpent: Bool { opened == meter.share && meter.ended == meter.share }

    func start() { openDue() }

    /// Stops opening, takes the loop's result, then closes every connection.
    func stop() -> LoadTally {
        stopped = true
        let tally = meter.finish()
        for channel in channels { channel.close(promise: nil) }
        channels.removeAll()
        return tally
    }

    private func openDue() {
        guard !stopped else { return }
        let due = dueCount()
        var count = 0
        while opened < due, count < Self.batch {
            openStream()
            count += 1
        }
        guard opened < meter.share else { return }
        let pause: TimeAmount =
            opened < due ? .zero : .nanoseconds(Int64(min(0.01, max(0.001, 1 / (perSecond ?? 1000))) * 1e9))
        loop.assumeIsolated().scheduleTask(in: pause) { self.openDue() }
    }

    /// How many streams should be open by now: all, or as many as the ramp allows (the first at once).
    private func dueCount() -> Int {
        guard let perSecond else { return meter.share }
        let elapsed = Double((NIODeadline.now() - meter.start).nanoseconds) / 1e9
        return min(meter.share, Int(elapsed * perSecond) + 1)
    }

    private func openStream() {
        opened += 1
        meter.opened()
        if plan.http2 {
            openHTTP2Stream()
        } else {
            track(openHTTP1Connection())
        }
    }

    private func openHTTP1Connection() -> EventLoopFuture<any Channel> {
        let meter = NIOLoopBound(self.meter, eventLoop: loop)
        let plan = self.plan
        return plan.bootstrap(on: loop, index: nextTCPIndex()) { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                if let tls = plan.tls {
                    try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: plan.target.serverName))
                }
                try pipeline.addHandler(HTTP1StreamHandler(meter: meter.value, request: plan.http1Request))
            }
        }.connect(to: plan.address)
    }

    /// Puts a stream on the current HTTP/2 connection, or on a new one when that one is full.
    private func openHTTP2Stream() {
        if let connection = http2Connection, connection.assigned < connection.capacity {
            connection.assign()
            return
        }
        let connection = HTTP2Connection(plan: plan, meter: meter, loop: loop) { [unowned self] excess in
            for _ in 0..<excess { self.openHTTP2Stream() }
        }
        http2Connection = connection
        track(connection.connect(index: nextTCPIndex()), countsFailure: false)
        connection.assign()
    }

    /// Keeps a connected channel for the end; counts a failed connect (HTTP/2 connections count
    /// their streams' failures themselves).
    private func track(_ connecting: EventLoopFuture<any Channel>, countsFailure: Bool = true) {
        connecting.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                self.meter.tcpConnectionOpened()
                if self.stopped { channel.close(promise: nil) } else { self.channels.append(channel) }
            case .failure(let error):
                if countsFailure { self.meter.failed(connecting: true, FeedError.describe(error)) }
            }
        }
    }

    private func nextTCPIndex() -> Int {
        defer { tcpIndex += 1 }
        return loopIndex + tcpIndex * loopCount
    }
}
