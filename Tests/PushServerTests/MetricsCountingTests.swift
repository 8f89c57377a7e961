import CoreMetrics
import EventStream
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

@testable import PushServer

/// The server's counting, on embedded loops with swift-metrics' test factory: an
/// I/O loop counts writes in plain integers and reports them at its sweep, never
/// per write; the hub reports publishes and departures by kind and reason.
@Suite struct MetricsCountingTests {
    private func openStreams(_ server: EmbeddedServer, _ count: Int, path: String = "/sse") throws
        -> [EmbeddedChannel]
    {
        try (0..<count).map { _ in
            let channel = try server.connect()
            _ = try server.exchange(channel, "GET \(path) HTTP/1.1\r\n\r\n")
            return channel
        }
    }

    @Test func writesAreReportedAtTheSweepNotPerWrite() throws {
        let metrics = TestMetrics()
        let server = EmbeddedServer { $0.metrics = metrics }
        let channels = try openStreams(server, 3)
        for n in 1...5 { try server.hub.publish(ServerSentEvent(data: "\(n)"), to: "/sse") }
        for channel in channels { #expect(try server.output(channel).contains("data: 5\n\n")) }
        #expect(metrics.counterTotal(label: "ssescript_events_sent_total") == 0, "nothing reported before the sweep")
        server.loop.advanceTime(by: .milliseconds(250))
        #expect(metrics.counterTotal(label: "ssescript_events_sent_total") == 15)
        #expect(metrics.counterTotal(label: "ssescript_bytes_sent_total") == 15 * 9)
        #expect(metrics.counterTotal(label: "ssescript_connections_accepted_total") == 3)
        #expect(metrics.counterTotal(label: "ssescript_http_requests_total", dimensions: [("status", "200")]) == 3)
    }

    @Test func theHubReportsPublishesByKindAndDeparturesByReason() throws {
        let metrics = TestMetrics()
        let server = EmbeddedServer { $0.metrics = metrics }
        server.application.onConnect = { hub, client in
            if client.request.query["deny"] != nil { hub.deny(client, status: .forbidden, message: "no") }
        }
        let channels = try openStreams(server, 2)
        _ = try openStreams(server, 1, path: "/sse?deny=1")
        try server.hub.publish(ServerSentEvent(data: "a"), to: "/sse")
        try server.hub.publish(ServerSentEvent(data: "b"), to: "elsewhere")
        try server.hub.broadcast(ServerSentEvent(data: "c"))
        server.hub.close(server.application.connected[0])
        _ = try channels[1].close().wait()
        server.loop.run()
        server.hub.reportMetrics()
        func count(_ label: String, _ name: String, _ value: String) -> Int64 {
            metrics.counterTotal(label: label, dimensions: [(name, value)])
        }
        let published = "ssescript_events_published_total"
        #expect(count(published, "topic_kind", "stream") == 1)
        #expect(count(published, "topic_kind", "topic") == 1)
        #expect(count(published, "topic_kind", "broadcast") == 1)
        let disconnected = "ssescript_clients_disconnected_total"
        #expect(count(disconnected, "reason", "closed") == 1)
        #expect(count(disconnected, "reason", "peer") == 1)
        #expect(count(disconnected, "reason", "denied") == 1)
        #expect(count(disconnected, "reason", "slow") == 0)
        #expect(try metrics.expectGauge("ssescript_clients", [("path", "/sse")]).lastValue == 0)
    }

    @Test func pathLabelsAreTheDeclaredPathsUpToTheLimit() throws {
        let paths = (0..<(Hub.pathLabelLimit + 5)).map { "/s\($0)" }
        let metrics = TestMetrics()
        let server = EmbeddedServer(
            routes: RouteTable(streams: Dictionary(uniqueKeysWithValues: paths.map { ($0, StreamOptions()) })),
            configure: { $0.metrics = metrics })
        for path in paths { _ = try openStreams(server, 1, path: path) }
        server.hub.reportMetrics()
        let gauges = metrics.recorders(label: "ssescript_clients")
        #expect(gauges.count == Hub.pathLabelLimit + 1, "the first 100 paths and other")
        #expect(try metrics.expectGauge("ssescript_clients", [("path", "other")]).lastValue == 5)
    }
}
