import EventStream
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

@testable import PushServer

/// The write budget holds at the point of `send`: what the script queues for a
/// client before the hub can hand it over counts against `--client-buffer`.
@Suite struct SendBudgetTests {
    private static let event = ServerSentEvent(data: String(repeating: "x", count: 1000))
    private static let frameBytes = chunk("data: \(String(repeating: "x", count: 1000))\n\n").utf8.count

    /// Regression: a loop on `send` without yielding piled every frame up in the
    /// hub's outbox (326 MiB with a 1 MiB budget), and `send` never said no.
    @Test func sendingPastTheBudgetDropsTheClientAsSlow() throws {
        let log = LogRecorder()
        let metrics = TestMetrics()
        let server = EmbeddedServer(logger: log.logger) {
            $0.clientBuffer = 4096
            $0.metrics = metrics
        }
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        let client = try #require(server.application.connected.first)
        var accepted = 0
        // As a handler that never yields: nothing is handed over meanwhile.
        while accepted < 1000, try server.hub.send(Self.event, to: client) { accepted += 1 }
        #expect(accepted == 4096 / Self.frameBytes, "sends are refused once the budget is used")
        #expect(!client.isConnected)
        #expect(try server.hub.send(Self.event, to: client) == false)
        server.loop.run()
        #expect(!channel.isActive, "its stream is dropped")
        #expect(server.state.slowClients.load(ordering: .relaxed) == 1, "counted as a slow client")
        #expect(server.application.disconnected == [client.id], "the application hears it is gone")
        #expect(server.application.reasons[client.id] == .slow)
        server.hub.reportMetrics()
        let slow = metrics.counterTotal(label: "ssescript_clients_disconnected_total", dimensions: [("reason", "slow")])
        #expect(slow == 1, "counted once in the metrics, as slow")
        let pending = accepted * Self.frameBytes
        #expect(
            log.contains("disconnected slow HTTP/1 client \(client.id) on /sse: \(pending) bytes pending"),
            "\(log.messages)")
    }

    /// Regression: a slow-client disconnect was counted but logged only at debug level.
    @Test func aClientTooSlowForItsShardIsLoggedWithItsIDAndPath() throws {
        let log = LogRecorder()
        let metrics = TestMetrics()
        let server = EmbeddedServer(logger: log.logger) { $0.metrics = metrics }
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse?x=1 HTTP/1.1\r\n\r\n")
        let client = try #require(server.application.connected.first)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        server.loop.advanceTime(by: .milliseconds(1100))
        #expect(!channel.isActive)
        #expect(log.contains("notice: disconnected slow HTTP/1 client \(client.id) on /sse: "), "\(log.messages)")
        server.loop.run()
        #expect(server.application.reasons[client.id] == .slow)
        server.hub.reportMetrics()
        let slow = metrics.counterTotal(label: "ssescript_clients_disconnected_total", dimensions: [("reason", "slow")])
        #expect(slow == 1, "counted once in the metrics, as slow")
    }

    @Test func aClientThatTakesWhatItIsSentIsNotLimitedAcrossHandOvers() throws {
        let server = EmbeddedServer { $0.clientBuffer = 4096 }
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        let client = try #require(server.application.connected.first)
        for _ in 0..<20 {
            for _ in 0..<3 { #expect(try server.hub.send(Self.event, to: client)) }
            _ = try server.output(channel)  // the hub hands over; the client reads
        }
        #expect(client.isConnected && channel.isActive)
        #expect(server.state.slowClients.load(ordering: .relaxed) == 0)
    }

    @Test func theOutboxIsHandedOverOnceItPassesItsBound() throws {
        let server = EmbeddedServer { $0.clientBuffer = 64 << 10 }
        let channels = try (0..<4).map { _ in try server.connect() }
        for channel in channels { _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n") }
        let limit = server.hub.outboxBudget.outboxLimit
        var most = 0
        // 200 publishes of 1 KB and 200 sends spread over four clients: 400 KB, more
        // than the bound, and no client near its own budget.
        for n in 0..<200 {
            try server.hub.publish(Self.event, to: "/sse")
            try server.hub.send(Self.event, to: server.application.connected[n % 4])
            most = max(most, server.hub.outboxHeldBytes)
        }
        #expect(most <= limit, "the hub never held more than \(limit) bytes: \(most)")
        for channel in channels {
            #expect(try server.output(channel).utf8.count == 250 * Self.frameBytes, "200 publishes and 50 sends each")
        }
        #expect(server.state.slowClients.load(ordering: .relaxed) == 0)
    }
}
