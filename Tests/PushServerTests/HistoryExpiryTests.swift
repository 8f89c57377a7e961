import EventStream
import NIOCore
import NIOEmbedded
import Testing

@testable import PushServer

/// Topic histories are bounded: in time (a topic nobody subscribes to and
/// nobody publishes to loses its history after its time to live) and in number
/// (`maxTopics`, the least recently used goes first).
@Suite struct HistoryExpiryTests {
    private func server(
        routes: RouteTable = RouteTable(streams: ["/sse": StreamOptions()]), logger: LogRecorder = LogRecorder(),
        _ configure: @escaping (inout PushServer.Configuration) -> Void = { _ in }
    ) -> EmbeddedServer {
        let server = EmbeddedServer(routes: routes, logger: logger.logger) {
            $0.historyTTL = .seconds(10)
            configure(&$0)
        }
        server.hub.startHistoryExpiry()
        return server
    }

    private func publish(_ server: EmbeddedServer, _ topic: String, id: String = "1") throws {
        try server.hub.publish(ServerSentEvent(data: "x", id: id), to: topic)
    }

    /// Regression: 200,000 per-user topics kept their histories for ever.
    @Test func anIdleTopicNobodySubscribesToLosesItsHistoryAfterItsTTL() throws {
        let server = server()
        for n in 1...100 { try publish(server, "user:\(n)") }
        #expect(server.hub.historyCount.kept == 100)
        server.loop.advanceTime(by: .seconds(9))
        #expect(server.hub.historyCount.kept == 100)
        try publish(server, "user:1", id: "2")  // a publish is a use
        server.loop.advanceTime(by: .seconds(2))
        #expect(server.hub.historyCount.kept == 1, "only the topic published to lately is left")
        server.loop.advanceTime(by: .seconds(9))
        #expect(server.hub.historyCount == (0, 0), "expired, not evicted")
    }

    @Test func aSubscribedTopicKeepsItsHistoryAndItsTTLStartsWhenTheLastSubscriberLeaves() throws {
        let server = server()
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        try publish(server, "/sse")
        server.loop.advanceTime(by: .seconds(3600))
        #expect(server.hub.historyCount.kept == 1, "a subscriber keeps it")
        _ = try channel.close().wait()
        server.loop.run()
        #expect(server.hub.count(topic: "/sse") == 0)
        server.loop.advanceTime(by: .seconds(9))
        #expect(server.hub.historyCount.kept == 1, "counted from when the last subscriber left")
        server.loop.advanceTime(by: .seconds(2))
        #expect(server.hub.historyCount.kept == 0)
    }

    @Test func aStreamsOwnTTLAppliesToItsTopic() throws {
        let routes = RouteTable(streams: ["/short": StreamOptions(historyTTL: .seconds(1))])
        let server = server(routes: routes)
        try publish(server, "/short")
        try publish(server, "user:1")
        server.loop.advanceTime(by: .milliseconds(1500))
        #expect(server.hub.histories["/short"] == nil && server.hub.histories["user:1"] != nil)
    }

    @Test func pastMaxTopicsTheLeastRecentlyUsedGoesWithAWarning() throws {
        let log = LogRecorder()
        let server = server(logger: log) { $0.maxTopics = 3 }
        for topic in ["a", "b", "c"] {
            try publish(server, topic)
            server.loop.advanceTime(by: .milliseconds(10))
        }
        try publish(server, "a", id: "2")
        try publish(server, "d")
        #expect(server.hub.historyCount == (3, 1))
        #expect(server.hub.histories["b"] == nil, "b was the least recently used")
        #expect(log.contains("warning: history of topic b dropped to make room for d: --max-topics 3"))
        for n in 1...100 { try publish(server, "user:\(n)") }
        #expect(server.hub.historyCount == (3, 101))
        let warnings = log.messages.filter { $0.hasPrefix("warning: history of topic") }
        #expect(warnings.count == 10, "a few lines, not one per eviction")
    }

    @Test func theStoreKeepsItsOrderThroughACompaction() {
        var store = HistoryStore(maxTopics: 10_000)
        let start = NIODeadline.uptimeNanoseconds(0)
        for n in 0..<5000 {
            store.append(
                Frame(raw: "id: \(n)\n\n"), id: "\(n)", to: "t\(n)", capacity: 1, ttl: .seconds(n % 2 == 0 ? 10 : 20),
                now: start + .milliseconds(Int64(n)))
        }
        for n in 0..<4800 { store.remove("t\(n)") }  // compacts on the way
        #expect(store.count == 200)
        let dropped = store.expire(now: start + .milliseconds(4899) + .seconds(10)) { _ in false }
        #expect(dropped == 50, "the even topics from 4800 to 4899, in order, and no others")
        #expect(store["t4900"] != nil && store["t4899"] != nil && store["t4898"] == nil)
    }
}
