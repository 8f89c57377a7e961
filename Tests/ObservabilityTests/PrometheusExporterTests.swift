import CoreMetrics
import PushServer
import Testing

@testable import Observability

/// The exporter behind swift-metrics: help lines, types, buckets and labels as
/// described, whatever order labels come in.
@Suite struct PrometheusExporterTests {
    static func text(_ exporter: PrometheusExporter) -> String { String(decoding: exporter.render(), as: UTF8.self) }

    @Test func describedFamiliesGetTheirHelpAndBuckets() {
        let exporter = PrometheusExporter()
        exporter.describe(MetricFamily(name: "jobs_total", help: "Jobs done.", kind: .counter, labels: ["queue"]))
        exporter.describe(MetricFamily(name: "job_seconds", help: "Job time.", kind: .histogram(buckets: [0.5, 2])))
        exporter.describe(MetricFamily(name: "size_bytes", help: "Sizes.", kind: .histogram(buckets: [10, 100])))
        Counter(label: "jobs_total", dimensions: [("queue", "a")], factory: exporter).increment(by: 2)
        CoreMetrics.Timer(label: "job_seconds", factory: exporter).recordMilliseconds(700)
        Recorder(label: "size_bytes", factory: exporter).record(42)
        Gauge(label: "undescribed", factory: exporter).record(1)
        let text = Self.text(exporter)
        #expect(text.contains("# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total{queue=\"a\"} 2\n"))
        #expect(text.contains("# HELP job_seconds Job time.\n# TYPE job_seconds histogram\n"))
        #expect(text.contains("job_seconds_bucket{le=\"0.5\"} 0\njob_seconds_bucket{le=\"2.0\"} 1\n"))
        #expect(text.contains("size_bytes_bucket{le=\"100.0\"} 1\n"))
        #expect(text.contains("# TYPE undescribed gauge\nundescribed 1.0\n") && !text.contains("# HELP undescribed"))
    }

    @Test func labelsInAnyOrderAreOneSeries() {
        let exporter = PrometheusExporter()
        Counter(label: "hits_total", dimensions: [("b", "2"), ("a", "1")], factory: exporter).increment()
        Counter(label: "hits_total", dimensions: [("a", "1"), ("b", "2")], factory: exporter).increment()
        #expect(Self.text(exporter).contains("hits_total{a=\"1\",b=\"2\"} 2\n"))
    }

    @Test func aSecondDescriptionOfANameIsIgnored() {
        let exporter = PrometheusExporter()
        exporter.describe(MetricFamily(name: "x_total", help: "First.", kind: .counter))
        Counter(label: "x_total", factory: exporter).increment()
        exporter.describe(MetricFamily(name: "x_total", help: "Second.", kind: .counter))
        Counter(label: "x_total", factory: exporter).increment()
        #expect(Self.text(exporter).contains("# HELP x_total First.\n# TYPE x_total counter\nx_total 2\n"))
    }
}
