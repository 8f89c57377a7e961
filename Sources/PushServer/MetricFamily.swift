public import CoreMetrics

/// What one family of series is, for an exporter that shows more than values:
/// Prometheus's `# HELP` and `# TYPE` lines and a histogram's buckets. The
/// server and the script describe their families this way before making their
/// first series through swift-metrics; a factory that cannot use descriptions
/// ignores them.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case counter
        case gauge
        /// Observations counted in buckets with these upper bounds, ascending (in
        /// seconds for a swift-metrics `Timer`).
        case histogram(buckets: [Double])
    }

    /// The series' name (`ssescript_clients`).
    public var name: String
    /// One line saying what the series count.
    public var help: String
    public var kind: Kind
    /// The names of the labels every series of the family has, sorted.
    public var labels: [String]

    public init(name: String, help: String, kind: Kind, labels: [String] = []) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labels = labels.sorted()
    }

    /// The buckets of a histogram, nil for a counter or gauge.
    public var buckets: [Double]? {
        if case .histogram(let buckets) = kind { return buckets }
        return nil
    }
}

/// A swift-metrics factory that takes descriptions of families (the Prometheus
/// exporter does). `describe` comes before the family's first series is made.
public protocol DescribingMetricsFactory: MetricsFactory {
    func describe(_ family: MetricFamily)
}

extension MetricsFactory {
    /// Describes `families` if this factory takes descriptions.
    public func describe(_ families: [MetricFamily]) {
        guard let describing = self as? any DescribingMetricsFactory else { return }
        for family in families { describing.describe(family) }
    }

    /// Whether series made here go anywhere: false for swift-metrics' no-op factory.
    public var isRecording: Bool { !(self is NOOPMetricsHandler) }
}
