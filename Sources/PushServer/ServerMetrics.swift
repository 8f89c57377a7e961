import CoreMetrics
import Synchronization

/// The push server's series, made through swift-metrics with the factory in its
/// configuration (no-op unless `--metrics` gives one).
///
/// Nothing here is called per subscriber write: the I/O loops count in plain
/// integers (`ShardTally`) and the hub in its own (`HubTally`), and each adds
/// what it counted at its sweep (every 250 ms at most) and before a scrape.
public final class ServerMetrics: Sendable {
    /// The server's families, as `/metrics` shows them and the README lists them.
    public static let families: [MetricFamily] = [
        MetricFamily(
            name: "ssescript_clients", help: "Open streams, by declared stream path (other past the first 100 paths).",
            kind: .gauge, labels: ["path"]),
        MetricFamily(
            name: "ssescript_connections_accepted_total", help: "Connections accepted on the stream listener.",
            kind: .counter),
        MetricFamily(
            name: "ssescript_connections_timed_out_total",
            help: "Connections closed because a request did not come or complete in time (or a TLS handshake).",
            kind: .counter),
        MetricFamily(
            name: "ssescript_clients_disconnected_total",
            help:
                "Stream clients that ended: peer, slow, timeout (their stream's), closed (by the script), denied, shutdown.",
            kind: .counter, labels: ["reason"]),
        MetricFamily(
            name: "ssescript_events_published_total",
            help: "Events published, by topic kind: stream (a declared path), topic (any other), broadcast.",
            kind: .counter, labels: ["topic_kind"]),
        MetricFamily(
            name: "ssescript_events_sent_total",
            help: "Events written to streams, one per subscriber (replays included, heartbeats not).", kind: .counter),
        MetricFamily(
            name: "ssescript_bytes_sent_total", help: "Bytes of those events, as event-stream text.", kind: .counter),
        MetricFamily(
            name: "ssescript_resumes_total",
            help: "Clients that came back with Last-Event-ID: replayed from a history, or told of a gap.",
            kind: .counter, labels: ["result"]),
        MetricFamily(
            name: "ssescript_http_requests_total",
            help: "Responses written, by status: streams opened (200), handler answers, refusals.", kind: .counter,
            labels: ["status"]),
    ]

    let factory: any MetricsFactory
    /// False with the no-op factory: nothing is folded or scheduled.
    let isRecording: Bool
    let accepted: Counter
    let timedOut: Counter
    let eventsSent: Counter
    let bytesSent: Counter
    let disconnected: [Departure: Counter]
    let published: [TopicKind: Counter]
    let resumes: [ResumeResult: Counter]
    /// The Redis series, once the cluster's broker has attached (`attachCluster()`).
    let attachedCluster = Mutex<ClusterMetrics?>(nil)

    init(factory: any MetricsFactory) {
        self.factory = factory
        isRecording = factory.isRecording
        factory.describe(Self.families + ClusterMetrics.families)
        accepted = Counter(label: "ssescript_connections_accepted_total", factory: factory)
        timedOut = Counter(label: "ssescript_connections_timed_out_total", factory: factory)
        eventsSent = Counter(label: "ssescript_events_sent_total", factory: factory)
        bytesSent = Counter(label: "ssescript_bytes_sent_total", factory: factory)
        disconnected = Self.counters(
            "ssescript_clients_disconnected_total", "reason", Departure.allCases, factory)
        published = Self.counters("ssescript_events_published_total", "topic_kind", TopicKind.allCases, factory)
        resumes = Self.counters("ssescript_resumes_total", "result", ResumeResult.allCases, factory)
        // The family shows from the start, with the status every stream answers.
        requests(status: 200).increment(by: 0)
    }

    /// One counter per value of a label, all made at once so every series shows from the start.
    private static func counters<Value: RawRepresentable<String> & Hashable>(
        _ name: String, _ label: String, _ values: [Value], _ factory: any MetricsFactory
    ) -> [Value: Counter] {
        Dictionary(
            uniqueKeysWithValues: values.map {
                ($0, Counter(label: name, dimensions: [(label, $0.rawValue)], factory: factory))
            })
    }

    /// The gauge of open streams with this `path` label.
    func clients(path: String) -> Gauge {
        Gauge(label: "ssescript_clients", dimensions: [("path", path)], factory: factory)
    }

    /// The counter of responses with this status.
    func requests(status: Int) -> Counter {
        Counter(label: "ssescript_http_requests_total", dimensions: [("status", String(status))], factory: factory)
    }
}

/// How a stream client ended, as `ssescript_clients_disconnected_total{reason}`
/// counts it: the ways the hub sees (a reload or a script error that closes a
/// stream is `closed`; one that refuses it before it opened is `denied`).
enum Departure: String, CaseIterable, Sendable {
    /// The client closed its connection (or it broke).
    case peer
    /// It read too slowly: over its write budget for too long.
    case slow
    /// Its stream lasted its stream's `timeout`.
    case timeout
    /// The server stopped.
    case shutdown
    /// The application closed or dropped its stream.
    case closed
    /// Refused before its stream opened (`client:deny`, a script error, no script).
    case denied

    init(_ reason: DisconnectReason) {
        switch reason {
        case .peer: self = .peer
        case .slow: self = .slow
        case .timeout: self = .timeout
        case .shutdown: self = .shutdown
        case .closed, .reload, .error: self = .closed
        }
    }
}

/// What a publish went to (`ssescript_events_published_total{topic_kind}`): never the topic itself.
enum TopicKind: String, CaseIterable, Sendable {
    /// A declared stream path.
    case stream
    /// Any other topic.
    case topic
    /// `sse.broadcast`: every open stream.
    case broadcast
}

/// How a resume went (`ssescript_resumes_total{result}`).
enum ResumeResult: String, CaseIterable, Sendable {
    /// The id was in a history: what followed it was replayed.
    case replayed
    /// It was not: the client got `ssescript-gap` (and the path's history).
    case gap
}
