internal import FeedClient
internal import Foundation
internal import Testing

/// `ssescript bench --json`, the built binary, against `TimestampFeedServer`.
@Suite(.timeLimit(.minutes(1))) struct BenchCommandTests {
    /// Runs `ssescript bench --json` and decodes its report.
    private func bench(_ arguments: [String]) throws -> LoadReport {
        let result = try ssescript(["bench"] + arguments + ["--json"], timeLimit: 40)
        #expect(result.status == 0, "\(result.errors)")
        return try JSONDecoder().decode(LoadReport.self, from: Data(result.output.utf8))
    }

    @Test func http1CountsEveryStreamAndEventAndTakesLatencyFromTheStamps() throws {
        let server = try TimestampFeedServer(.http1)
        defer { server.stop() }
        // 20 streams, an event every 50 ms stamped 5 ms in the past; 2 s, the first 0.5 s not counted.
        let report = try bench([server.url("/feed?ms=50&lag=5000"), "-c", "20", "-d", "2", "-w", "0.5"])
        #expect(report.connections == 20 && report.tcpConnections == 20 && report.protocol == "http/1.1")
        #expect(report.established == 20 && report.failed == 0 && report.closedEarly == 0 && report.activeAtEnd == 20)
        #expect(report.firstEventConnections == 20 && report.allFirstEventSeconds != nil)
        // 20 streams × 20 events/s; the loops share two cores with the build, so within 25 %.
        #expect(report.eventsPerSecond > 300 && report.eventsPerSecond < 440, "\(report.eventsPerSecond)")
        #expect(report.eventsWithoutTimestamp == 0 && report.latency.count == report.windowEvents)
        #expect(report.events >= report.windowEvents && report.windowEvents > 400)
        #expect(report.latency.p50 >= 4960 && report.latency.p50 < 60_000, "\(report.latency)")
        #expect(report.latency.max >= report.latency.p99 && report.latency.p99 >= report.latency.p50)
        // Each event is about 30 bytes ("id: n\ndata: <16 digits> n\n\n") plus chunk framing.
        #expect(report.bytesPerSecond > report.eventsPerSecond * 30)
    }

    @Test func http2ByPriorKnowledgeSpreadsStreamsOverConnections() throws {
        let server = try TimestampFeedServer(.http2)
        defer { server.stop() }
        let report = try bench(
            [server.url("/feed?ms=100&lag=2000"), "-c", "30", "-d", "1.5", "--http2", "--streams-per-connection", "8"])
        #expect(report.protocol == "h2" && report.tcpConnections == 4)
        #expect(report.established == 30 && report.failed == 0 && report.firstEventConnections == 30)
        #expect(report.events >= 30 * 10 && report.events <= 30 * 16, "\(report.events)")
        #expect(report.latency.count == report.events && report.latency.p50 >= 1980)
    }

    @Test func http2StreamsOverTheServersLimitGoToAnotherConnection() throws {
        let server = try TimestampFeedServer(.http2)  // NIOHTTP2's default: 100 concurrent streams
        defer { server.stop() }
        // An event a second: at one every 200 ms (1,250 a second), this debug-built server and
        // client each took a core, and on a busy machine some streams got their head only after
        // 4.7 s or never within the run (found 2026-12-02: load, not the hand-over; with 250
        // streams on 100 per connection and no hand-over at all, the same happened).
        let report = try bench(
            [server.url("/feed?ms=1000"), "-c", "250", "-d", "5", "--http2", "--streams-per-connection", "150"])
        #expect(report.tcpConnections == 3, "100 + 100 + 50")
        #expect(report.established == 250 && report.waitingAtEnd == 0 && report.failed == 0)
        #expect(report.firstEventConnections == 250)
    }

    @Test func http2OverTLSByALPN() throws {
        let server = try TimestampFeedServer(.http2, tls: try TimestampFeedServer.tlsContext(alpn: ["h2"]))
        defer { server.stop() }
        let url = server.url("/feed?ms=100", scheme: "https")
        let report = try bench([url, "-c", "10", "-d", "1.2", "--http2", "-k"])
        #expect(report.established == 10 && report.tcpConnections == 1 && report.events >= 10 * 8)
        let refused = try bench([url, "-c", "3", "-d", "1", "--http2"])
        #expect(refused.established == 0 && refused.failed == 3)
        #expect(refused.error?.contains("not trusted") == true, "\(refused.error ?? "")")
        let http1 = try bench([url, "-c", "2", "-d", "1", "-k"])
        #expect(http1.established == 0 && http1.failed == 2, "an h2-only server refuses http/1.1 in ALPN: \(http1)")
    }

    @Test func failuresAreCountedOnceEach() throws {
        let server = try TimestampFeedServer(.http1)
        defer { server.stop() }
        let missing = try bench([server.url("/nothing"), "-c", "5", "-d", "2"])
        #expect(missing.failed == 5 && missing.httpErrors == 5 && missing.established == 0)
        #expect(missing.error == "status 404" && missing.windowSeconds < 1.5, "ends once every stream has")
        let ending = try bench([server.url("/feed?ms=20&count=3&stamp=0"), "-c", "4", "-d", "5"])
        #expect(ending.established == 4 && ending.closedEarly == 4 && ending.activeAtEnd == 0)
        #expect(ending.events == 12 && ending.eventsWithoutTimestamp == 12 && ending.latency.count == 0)
        #expect(ending.windowSeconds < 3, "ends once every stream has")
        let refused = try bench(["http://127.0.0.1:1/feed", "-c", "3", "-d", "2"])
        #expect(refused.connectErrors == 3 && refused.error == "Connection refused")
    }

    @Test func theTextReportAndUsageErrors() throws {
        let server = try TimestampFeedServer(.http1)
        defer { server.stop() }
        let text = try ssescript(["bench", server.url("/feed?ms=50"), "-c", "3", "-d", "1", "--ramp", "10"])
        #expect(text.status == 0)
        #expect(text.output.contains("connections : established 3, failed 0"), "\(text.output)")
        #expect(text.output.contains("latency us  : n="))
        let bad = try ssescript(["bench", "ftp://127.0.0.1/x"])
        #expect(bad.status != 0 && bad.errors.contains("the URL must start with http:// or https://"))
        let badWarmup = try ssescript(["bench", server.url("/feed"), "-d", "2", "-w", "2"])
        #expect(badWarmup.status != 0 && badWarmup.errors.contains("--warmup must be"))
    }
}
