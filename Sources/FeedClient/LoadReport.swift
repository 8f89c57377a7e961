// The result of `ssescript bench`: as text for people, as one JSON object for scripts.

internal import Foundation
internal import NIOCore

/// What a load test measured. The JSON names are `ssebench`'s where the two report the same thing,
/// so that scripts can read either.
public struct LoadReport: Sendable, Codable, Hashable {
    /// Latency percentiles in microseconds, from the window after the warm-up.
    public struct Latency: Sendable, Codable, Hashable {
        public var count: UInt64
        public var p50: UInt64
        public var p90: UInt64
        public var p99: UInt64
        public var p999: UInt64
        public var max: UInt64
        public var mean: Double
        /// Stamps later than their arrival (clocks apart): counted as 0.
        public var negative: UInt64
    }

    public var url: String
    public var `protocol`: String
    /// Streams asked for.
    public var connections: Int
    public var tcpConnections: Int
    public var threads: Int
    public var durationSeconds: Double
    public var warmupSeconds: Double
    /// Streams whose response head was `200 text/event-stream`.
    public var established: Int
    public var failed: Int
    public var connectErrors: Int
    public var httpErrors: Int
    /// Streams that ended (server closed, reset) before the end of the run.
    public var closedEarly: Int
    public var protocolErrors: Int
    public var activeAtEnd: Int
    /// Streams opened that had neither a response head nor an error by the end (a server slow to
    /// answer, or over an HTTP/2 server's stream limit).
    public var waitingAtEnd: Int
    /// The first error of the run, if any: most often the cause of the others.
    public var error: String?
    /// Streams that had at least one event.
    public var firstEventConnections: Int
    /// Seconds from the start until every stream had its response head / its first event (nil: never).
    public var allEstablishedSeconds: Double?
    public var allFirstEventSeconds: Double?
    public var events: UInt64
    public var eventsWithoutTimestamp: UInt64
    /// HTTP bytes received (after TLS), response heads and chunk framing included.
    public var bytes: UInt64
    public var windowSeconds: Double
    public var windowEvents: UInt64
    public var eventsPerSecond: Double
    public var bytesPerSecond: Double
    public var latency: Latency
    public var clientCPUSeconds: Double

    enum CodingKeys: String, CodingKey {
        case url, `protocol`, connections
        case tcpConnections = "tcp_connections"
        case threads
        case durationSeconds = "duration_s"
        case warmupSeconds = "warmup_s"
        case established, failed
        case connectErrors = "connect_errors"
        case httpErrors = "http_errors"
        case closedEarly = "closed_early"
        case protocolErrors = "protocol_errors"
        case activeAtEnd = "active_at_end"
        case waitingAtEnd = "waiting_at_end"
        case error
        case firstEventConnections = "first_event_conns"
        case allEstablishedSeconds = "t_all_established_s"
        case allFirstEventSeconds = "t_all_first_event_s"
        case events
        case eventsWithoutTimestamp = "events_without_ts"
        case bytes
        case windowSeconds = "window_s"
        case windowEvents = "window_events"
        case eventsPerSecond = "events_per_sec"
        case bytesPerSecond = "bytes_per_sec"
        case latency = "latency_us"
        case clientCPUSeconds = "client_cpu_s"
    }
}

extension LoadReport {
    init(configuration: LoadTest.Configuration, tally: LoadTally, clientCPUSeconds: Double) {
        url = configuration.url
        `protocol` = configuration.http2 ? "h2" : "http/1.1"
        connections = configuration.connections
        tcpConnections = tally.tcpConnections
        threads = configuration.threads
        durationSeconds = configuration.duration.seconds
        warmupSeconds = configuration.warmup.seconds
        established = tally.established
        connectErrors = tally.connectErrors
        httpErrors = tally.httpErrors
        failed = tally.connectErrors + tally.httpErrors
        closedEarly = tally.closedEarly
        protocolErrors = tally.protocolErrors
        activeAtEnd = tally.established - tally.closedEarly
        waitingAtEnd = tally.opened - tally.established - tally.connectErrors - tally.httpErrors
        error = tally.firstError
        firstEventConnections = tally.firstEvents
        allEstablishedSeconds = tally.allEstablished.map { Double($0.nanoseconds) / 1e9 }
        allFirstEventSeconds = tally.allFirstEvent.map { Double($0.nanoseconds) / 1e9 }
        events = tally.events
        eventsWithoutTimestamp = tally.eventsWithoutTimestamp
        bytes = tally.bytes
        windowSeconds = max(1e-9, Double(tally.end.nanoseconds) / 1e9 - configuration.warmup.seconds)
        windowEvents = tally.windowEvents
        eventsPerSecond = Double(tally.windowEvents) / windowSeconds
        bytesPerSecond = Double(tally.windowBytes) / windowSeconds
        let histogram = tally.latency
        latency = Latency(
            count: histogram.count, p50: histogram.percentile(0.5), p90: histogram.percentile(0.9),
            p99: histogram.percentile(0.99), p999: histogram.percentile(0.999), max: histogram.maximum,
            mean: histogram.mean, negative: tally.negativeLatencies)
        self.clientCPUSeconds = clientCPUSeconds
    }

    /// The report for people, one aspect a line.
    public var text: String {
        var lines = [
            "bench \(url)  \(`protocol`), \(connections) stream\(connections == 1 ? "" : "s")"
                + (`protocol` == "h2" ? " over \(tcpConnections) connections" : "")
                + ", \(Self.format(durationSeconds, 1)) s (warm-up \(Self.format(warmupSeconds, 1)) s), \(threads) thread\(threads == 1 ? "" : "s")",
            "connections : established \(established), failed \(failed) (connect \(connectErrors), http \(httpErrors)), "
                + "closed early \(closedEarly), protocol errors \(protocolErrors), active at end \(activeAtEnd)"
                + (waitingAtEnd > 0 ? ", waiting for a response head \(waitingAtEnd)" : ""),
        ]
        if let error { lines.append("first error : \(error)") }
        lines += [
            "startup     : all established \(Self.format(allEstablishedSeconds)), all first event \(Self.format(allFirstEventSeconds)) "
                + "(\(firstEventConnections)/\(connections) got an event)",
            "events      : \(events) (\(eventsWithoutTimestamp) without timestamp), \(bytes) bytes",
            "rate        : \(Self.format(eventsPerSecond, 1)) events/s, \(Self.format(bytesPerSecond / 1024, 1)) KiB/s "
                + "(\(windowEvents) events in \(Self.format(windowSeconds, 2)) s after the warm-up)",
            latency.count == 0
                ? "latency     : no timestamped events (data starting with CLOCK_REALTIME microseconds)"
                : "latency us  : n=\(latency.count) p50 \(latency.p50) p90 \(latency.p90) p99 \(latency.p99) "
                    + "p99.9 \(latency.p999) max \(latency.max)"
                    + (latency.negative > 0 ? " (\(latency.negative) negative, counted as 0)" : ""),
            "client cpu  : \(Self.format(clientCPUSeconds, 2)) s",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private static func format(_ seconds: Double?) -> String {
        seconds.map { format($0, 3) + " s" } ?? "never"
    }

    private static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
