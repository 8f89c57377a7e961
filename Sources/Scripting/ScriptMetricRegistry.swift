import CoreMetrics
import Logging
import PushServer

/// One metric a script declared with `sse.metrics`: its definition and its series,
/// one per combination of label values, at most `ScriptMetricRegistry.seriesLimit`.
final class ScriptMetric {
    struct Definition: Equatable {
        var name: String
        var help: String
        var kind: MetricFamily.Kind
        /// The label names, as declared.
        var labels: [String]

        var kindName: String {
            switch kind {
            case .counter: "counter"
            case .gauge: "gauge"
            case .histogram: "histogram"
            }
        }
    }

    /// A series as swift-metrics makes it for the kind. A counter has both kinds of
    /// swift-metrics counter, one series between them: whole amounts show as integers.
    enum Series {
        case counter(Counter, FloatingPointCounter)
        case gauge(Meter)
        case histogram(Recorder)
    }

    let id: Int
    let definition: Definition
    private let factory: any MetricsFactory
    private let logger: Logger
    /// By label values, in the order the labels were declared.
    private var series: [[String]: Series] = [:]
    private var hasOverflowed = false

    init(id: Int, definition: Definition, factory: any MetricsFactory, logger: Logger) {
        self.id = id
        self.definition = definition
        self.factory = factory
        self.logger = logger
    }

    /// The series of these label values (in declared order). Past the limit of
    /// combinations, a new one is counted in the series whose every label is
    /// `other` (a warning says so, once).
    func series(_ values: [String]) -> Series {
        if let existing = series[values] { return existing }
        var values = values
        if series.count >= ScriptMetricRegistry.seriesLimit {
            values = values.map { _ in ScriptMetricRegistry.overflowValue }
            if let overflow = series[values] { return overflow }
            if !hasOverflowed {
                hasOverflowed = true
                logger.warning(
                    "metric \(definition.name) has \(ScriptMetricRegistry.seriesLimit) label combinations; further ones are counted under \"\(ScriptMetricRegistry.overflowValue)\"",
                    metadata: ["metric": "\(definition.name)"])
            }
        }
        let made = make(dimensions: Array(zip(definition.labels, values)))
        series[values] = made
        return made
    }

    private func make(dimensions: [(String, String)]) -> Series {
        let name = definition.name
        switch definition.kind {
        case .counter:
            return .counter(
                Counter(label: name, dimensions: dimensions, factory: factory),
                FloatingPointCounter(label: name, dimensions: dimensions, factory: factory))
        case .gauge: return .gauge(Meter(label: name, dimensions: dimensions, factory: factory))
        case .histogram:
            return .histogram(Recorder(label: name, dimensions: dimensions, aggregate: true, factory: factory))
        }
    }
}

@available(*, unavailable)
extension ScriptMetric: Sendable {}

/// The metrics declared with `sse.metrics`, kept by the host across reloads: a
/// script that declares the same metric again (after a reload, or twice) gets the
/// same one, and its series go on counting. A definition never changes while the
/// server runs (Prometheus keeps a family's help, type and buckets); declaring a
/// name again differently is an error. Confined to the script loop.
final class ScriptMetricRegistry {
    /// Most metrics a script may declare.
    static let familyLimit = 200
    /// Most label combinations (series) one metric has; further ones count as `other`.
    static let seriesLimit = 100
    /// The value of every label of the series past the limit.
    static let overflowValue = "other"

    private let factory: any MetricsFactory
    private let logger: Logger
    private var metrics: [ScriptMetric] = []
    private var byName: [String: Int] = [:]

    init(factory: any MetricsFactory, logger: Logger) {
        self.factory = factory
        self.logger = logger
    }

    subscript(id: Int) -> ScriptMetric? { metrics.indices.contains(id) ? metrics[id] : nil }

    /// The metric with this definition: the one declared before, or a new one.
    func declare(_ definition: ScriptMetric.Definition) throws(ScriptAPIError) -> ScriptMetric {
        if let id = byName[definition.name] {
            let existing = metrics[id]
            guard existing.definition == definition else { throw Self.conflict(existing.definition, definition) }
            return existing
        }
        guard metrics.count < Self.familyLimit else {
            throw ScriptAPIError("sse.metrics: a script may declare at most \(Self.familyLimit) metrics")
        }
        factory.describe([
            MetricFamily(name: definition.name, help: definition.help, kind: definition.kind, labels: definition.labels)
        ])
        let metric = ScriptMetric(id: metrics.count, definition: definition, factory: factory, logger: logger)
        metrics.append(metric)
        byName[definition.name] = metric.id
        return metric
    }

    private static func conflict(_ old: ScriptMetric.Definition, _ new: ScriptMetric.Definition) -> ScriptAPIError {
        let what =
            old.kind != new.kind
            ? (old.kindName != new.kindName ? "a \(old.kindName)" : "a histogram with other buckets")
            : old.labels != new.labels
                ? "with labels {\(old.labels.joined(separator: ", "))}" : "with the help \"\(old.help)\""
        return ScriptAPIError(
            "metric \(new.name) is already declared \(what); a metric keeps its definition until the server restarts")
    }
}

@available(*, unavailable)
extension ScriptMetricRegistry: Sendable {}
