public import CoreMetrics
public import Prometheus
public import PushServer
import Synchronization

/// The server's swift-metrics backend for `/metrics`: a swift-prometheus registry,
/// and a factory that gives each family the help text and buckets it was
/// described with (`MetricFamily`), which swift-prometheus's own factory cannot.
///
/// Labels are sorted by name, so the same labels given in any order are one
/// series. A family is described once: a later description of the same name is
/// ignored (the registry keeps a family's help for good).
public final class PrometheusExporter: DescribingMetricsFactory {
    public let registry: PrometheusCollectorRegistry
    private let families = Mutex<[String: MetricFamily]>([:])

    /// Prometheus's default buckets, for a histogram that was not described.
    static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// An exporter that is also swift-metrics' global factory (`MetricsSystem`),
    /// so libraries that report through swift-metrics show on `/metrics` too.
    /// Once per process.
    public static func bootstrapped() -> PrometheusExporter {
        let exporter = PrometheusExporter()
        MetricsSystem.bootstrap(exporter)
        return exporter
    }

    public func describe(_ family: MetricFamily) {
        families.withLock { known in
            if known[family.name] == nil { known[family.name] = family }
        }
    }

    /// Every series in the Prometheus text format (version 0.0.4).
    public func render() -> [UInt8] { registry.emitToBuffer() }

    /// The content type of `render()`'s bytes.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: families.withLock { $0[name]?.help } ?? "")
    }

    private func buckets(_ name: String) -> [Double] {
        families.withLock { $0[name]?.buckets } ?? Self.defaultBuckets
    }

    private static func sorted(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions.sorted { $0.0 < $1.0 }
    }

    // MARK: MetricsFactory

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: Self.sorted(dimensions))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        registry.makeCounter(descriptor: descriptor(label), labels: Self.sorted(dimensions))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else {
            return registry.makeGauge(descriptor: descriptor(label), labels: Self.sorted(dimensions))
        }
        return registry.makeValueHistogram(
            descriptor: descriptor(label), labels: Self.sorted(dimensions), buckets: buckets(label))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: Self.sorted(dimensions))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = buckets(label).map { Duration.nanoseconds(Int64($0 * 1e9)) }
        return registry.makeDurationHistogram(
            descriptor: descriptor(label), labels: Self.sorted(dimensions), buckets: buckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
