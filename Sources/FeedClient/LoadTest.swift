// `ssescript bench`: many streams from one SSE endpoint, on raw NIO channels, measured.

internal import NIOCore
public import NIOHTTP1
internal import NIOPosix

/// A load test of one SSE endpoint: opens `connections` streams (HTTP/1.1, one TCP connection
/// each, or HTTP/2 with many streams per connection), reads them for `duration`, and reports
/// connections, events/s, bytes/s and, for events whose data starts with a CLOCK_REALTIME
/// timestamp in microseconds, latency percentiles.
///
/// Built to share a small machine with the server it measures: one event loop thread unless
/// told otherwise, NIOHTTP1's decoder and NIOHTTP2's multiplexer, the project's
/// `EventStreamParser`, counters and a fixed-size histogram per loop, no lock on the read path.
public struct LoadTest: Sendable {
    /// What to measure and how.
    public struct Configuration: Sendable {
        public var url: String
        /// Streams to open (on HTTP/2, over `connections / streamsPerConnection` TCP connections).
        public var connections = 1
        public var duration: Duration = .seconds(10)
        /// Events, bytes and latency are counted only after this (connections still open during it).
        public var warmup: Duration = .zero
        /// Streams opened per second; nil opens them as fast as the loop can.
        public var ramp: Double?
        /// Event loop threads; connections are spread over them.
        public var threads = 1
        public var http2 = false
        public var streamsPerConnection = 100
        public var skipsCertificateVerification = false
        /// Extra request headers (they replace the defaults of the same name).
        public var headers: HTTPHeaders = [:]

        public init(url: String) {
            self.url = url
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the test to its end (or until every stream has ended, or the task is cancelled) and
    /// returns the report. Throws before connecting when the URL, the name or the file limit is wrong.
    public func run() async throws -> LoadReport {
        let target = try BenchTarget(url: configuration.url)
        let tcpConnections =
            configuration.http2
            ? (configuration.connections + configuration.streamsPerConnection - 1) / configuration.streamsPerConnection
            : configuration.connections
        try FileDescriptorLimit.raise(toFit: tcpConnections)
        let plan = try ConnectionPlan(
            target: target, connections: configuration.connections, http2: configuration.http2,
            streamsPerConnection: configuration.streamsPerConnection, headers: configuration.headers,
            skipsCertificateVerification: configuration.skipsCertificateVerification)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        let cpuAtStart = ProcessTimes.cpuSeconds()
        let openers = try await start(plan, on: group)
        await waitForTheEnd(openers)
        var tallies: [LoadTally] = []
        for opener in openers {
            tallies.append(try await opener.eventLoop.submit { opener.value.stop() }.get())
        }
        var tally = tallies[0]
        for other in tallies.dropFirst() { tally.merge(other) }
        let cpu = ProcessTimes.cpuSeconds() - cpuAtStart
        try await group.shutdownGracefully()
        return LoadReport(configuration: configuration, tally: tally, clientCPUSeconds: cpu)
    }

    /// One opener per loop, each with its share of the streams and of the ramp.
    private func start(_ plan: ConnectionPlan, on group: MultiThreadedEventLoopGroup) async throws
        -> [NIOLoopBound<ConnectionOpener>]
    {
        let loops = Array(group.makeIterator())
        let start = NIODeadline.now()
        let windowStart = start + .nanoseconds(Int64(configuration.warmup.seconds * 1e9))
        var openers: [NIOLoopBound<ConnectionOpener>] = []
        for (index, loop) in loops.enumerated() {
            let share =
                configuration.connections / loops.count + (index < configuration.connections % loops.count ? 1 : 0)
            let perSecond = configuration.ramp.map { $0 / Double(loops.count) }
            let opener = try await loop.submit {
                let meter = LoopMeter(share: share, start: start, windowStart: windowStart)
                let opener = ConnectionOpener(
                    plan: plan, meter: meter, loop: loop, perSecond: perSecond, loopIndex: index, loopCount: loops.count
                )
                opener.start()
                return NIOLoopBound(opener, eventLoop: loop)
            }.get()
            openers.append(opener)
        }
        return openers
    }

    /// Sleeps until the duration is over, every stream has ended, or the task is cancelled.
    private func waitForTheEnd(_ openers: [NIOLoopBound<ConnectionOpener>]) async {
        let end = ContinuousClock.now + configuration.duration
        while ContinuousClock.now < end {
            do {
                try await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
            } catch {
                return  // cancelled: report what was measured so far
            }
            var spent = true
            for opener in openers where spent {
                spent = (try? await opener.eventLoop.submit { opener.value.isSpent }.get()) ?? true
            }
            if spent { return }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
