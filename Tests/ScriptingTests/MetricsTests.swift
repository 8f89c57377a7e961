import Foundation
import PushServer
import Testing

@testable import Scripting

extension Live {
    /// `/metrics` scraped and parsed by Prometheus's Python client while a known
    /// sequence runs: the families and their types, and exact moves of the counters.
    @Suite(.timeLimit(.minutes(2)), .enabled(if: Python.has("prometheus_client"), "needs prometheus_client"))
    struct MetricsTests {
        /// Every documented family, with the type the README gives it.
        static let documented: [(String, String)] =
            (ServerMetrics.families + ScriptRuntimeMetrics.families).map { family in
                switch family.kind {
                case .counter: (family.name, "counter")
                case .gauge: (family.name, "gauge")
                case .histogram: (family.name, "histogram")
                }
            }

        static let script = """
            sse.stream("/feed", function(client)
              if client.query.news then client:subscribe("news") end
              if client.query.bulk then client:subscribe("bulk") end
            end, { history = 0 })
            sse.post("/news", function()
              for i = 1, 10 do sse.publish("news", { data = "event " .. i }) end
              return 204
            end)
            local blob = string.rep("x", 8 << 20)
            sse.post("/bulk", function() sse.publish("bulk", { data = blob }) return 204 end)
            sse.post("/fail", function() error("boom") end)
            """

        @Test func theFamiliesExistWithTheirTypes() async throws {
            try await withObservedServer(script: Self.script) { observed in
                let scrape = try await observed.scrape()
                for (name, type) in Self.documented {
                    let family = try #require(scrape.family(of: name), "\(name) is exported")
                    #expect(family.type == type, "\(name)")
                    #expect(!family.help.isEmpty, "\(name) has a HELP line")
                }
                #expect(scrape.value("ssescript_clients", ["path": "/feed"]) == 0, "declared paths show from the start")
                #expect(scrape.value("ssescript_clients_disconnected_total", ["reason": "slow"]) == 0)
                #expect(scrape.family(of: "ssescript_redis_connected") == nil, "no Redis series without --redis")
            }
        }

        @Test func countersMoveByExactlyWhatHappened() async throws {
            let path = try TemporaryScript.write(Self.script)
            try await withObservedServer(script: "file:" + path, configure: { $0.clientBuffer = 64 << 10 }) {
                observed in
                let live = observed.live
                let before = try await observed.scrape()
                // 3 clients connect: two read `news`, one reads `bulk` and never takes a byte.
                let readers = try (0..<2).map { _ in try RawConnection(port: live.port) }
                for reader in readers { reader.send("GET /feed?news=1 HTTP/1.1\r\nHost: x\r\n\r\n") }
                let stalled = try RawConnection(port: live.port, receiveBuffer: 4096)
                stalled.send("GET /feed?bulk=1 HTTP/1.1\r\nHost: x\r\n\r\n")
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/feed") } == 3 }
                let connected = try await observed.scrape()
                expectMoves(
                    before, connected,
                    [
                        ("ssescript_connections_accepted_total", [:], 3),
                        ("ssescript_http_requests_total", ["status": "200"], 3),
                        ("ssescript_events_sent_total", [:], 0),
                    ])
                #expect(connected.value("ssescript_clients", ["path": "/feed"]) == 3)

                // 10 events published to the two readers, who get them all.
                #expect(try await curl(["-X", "POST", live.url("/news")]) == "204")
                for reader in readers {
                    #expect(reader.read(until: "data: event 10\n\n").contains("data: event 10\n\n"))
                }
                let published = try await observed.scrape()
                expectMoves(
                    connected, published,
                    [
                        ("ssescript_events_published_total", ["topic_kind": "topic"], 10),
                        ("ssescript_events_sent_total", [:], 20),
                        ("ssescript_bytes_sent_total", [:], 2 * (9 * 15 + 16)),
                        ("ssescript_connections_accepted_total", [:], 1),
                        ("ssescript_http_requests_total", ["status": "204"], 1),
                    ])

                // An 8 MiB event for the stalled client: over twice its 64 KiB budget, it is dropped.
                #expect(try await curl(["-X", "POST", live.url("/bulk")]) == "204")
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/feed") } == 2 }
                #expect(stalled.isClosedByPeer(within: 5))
                let dropped = try await observed.scrape()
                expectMoves(
                    published, dropped,
                    [
                        ("ssescript_clients_disconnected_total", ["reason": "slow"], 1),
                        ("ssescript_events_published_total", ["topic_kind": "topic"], 1),
                        ("ssescript_events_sent_total", [:], 1),
                        ("ssescript_bytes_sent_total", [:], Double((8 << 20) + 8)),
                    ])
                #expect(dropped.value("ssescript_clients", ["path": "/feed"]) == 2)

                // One script error, then a good reload and a failed one.
                #expect(try await curl(["-X", "POST", live.url("/fail")]) == "500")
                #expect(try await live.scriptServer.reload(because: "test"))
                try "sse.stream(\"/feed\"\n".write(toFile: path, atomically: true, encoding: .utf8)
                #expect(try await live.scriptServer.reload(because: "test") == false)
                let reloaded = try await observed.scrape()
                expectMoves(
                    dropped, reloaded,
                    [
                        ("ssescript_script_errors_total", ["kind": "error"], 1),
                        ("ssescript_script_errors_total", ["kind": "timeout"], 0),
                        ("ssescript_http_requests_total", ["status": "500"], 1),
                        ("ssescript_reloads_total", ["result": "ok"], 1),
                        ("ssescript_reloads_total", ["result": "failed"], 1),
                    ])
                #expect(reloaded.value("ssescript_clients", ["path": "/feed"]) == 2, "reloads keep the streams")

                // One reader leaves; the server stops with the other still there.
                readers[0].close()
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/feed") } == 1 }
                try await live.stop()
                let stopped = try await observed.scrape()
                expectMoves(
                    reloaded, stopped,
                    [
                        ("ssescript_clients_disconnected_total", ["reason": "peer"], 1),
                        ("ssescript_clients_disconnected_total", ["reason": "shutdown"], 1),
                        ("ssescript_clients_disconnected_total", ["reason": "closed"], 0),
                        ("ssescript_clients_disconnected_total", ["reason": "denied"], 0),
                    ])
                #expect(stopped.value("ssescript_clients", ["path": "/feed"]) == 0)
            }
        }

        @Test func aHundredThousandTopicsLeaveTheSeriesAsTheyWere() async throws {
            var options = ScriptOptions()
            options.timeout = .seconds(20)
            let script = """
                sse.stream("/feed")
                sse.post("/burst", function(req)
                  for i = 1, tonumber(req.query.n) do sse.publish("topic-" .. i, { data = "x" }) end
                  return 204
                end)
                """
            try await withObservedServer(script: script, options: options) { observed in
                let live = observed.live
                #expect(try await curl(["-X", "POST", live.url("/burst?n=1")]) == "204")
                let before = try await observed.scrape()
                #expect(try await curl(["-X", "POST", live.url("/burst?n=100000")]) == "204")
                let after = try await observed.scrape()
                #expect(
                    after.sampleCount == before.sampleCount, "\(before.sampleCount) series, then \(after.sampleCount)")
                #expect(after.value("ssescript_events_published_total", ["topic_kind": "topic"]) == 100_001)
            }
        }

        @Test func denialsClosesTimeoutsAndBroadcastsAreCounted() async throws {
            let script = """
                sse.stream("/feed", function(client)
                  if client.query.deny then client:deny(403, "not you") end
                  if client.query.close then client:send("bye"); client:close() end
                end)
                sse.post("/all", function() sse.broadcast("all"); sse.publish("/feed", "one"); return 204 end)
                """
            try await withObservedServer(script: script, configure: { $0.requestTimeout = .milliseconds(1500) }) {
                observed in
                let live = observed.live
                let before = try await observed.scrape()
                #expect(try await curl([live.url("/feed?deny=1")]) == "403")
                #expect(try await curl([live.url("/feed?close=1")]) == "200")
                let silent = try RawConnection(port: live.port)
                #expect(silent.isClosedByPeer(within: 5), "a connection that sends nothing is closed")
                #expect(try await curl(["-X", "POST", live.url("/all")]) == "204")
                let after = try await observed.scrape()
                expectMoves(
                    before, after,
                    [
                        ("ssescript_clients_disconnected_total", ["reason": "denied"], 1),
                        ("ssescript_clients_disconnected_total", ["reason": "closed"], 1),
                        ("ssescript_connections_timed_out_total", [:], 1),
                        ("ssescript_clients_disconnected_total", ["reason": "timeout"], 0),
                        ("ssescript_clients_disconnected_total", ["reason": "peer"], 0),
                        ("ssescript_events_published_total", ["topic_kind": "broadcast"], 1),
                        ("ssescript_events_published_total", ["topic_kind": "stream"], 1),
                        ("ssescript_events_sent_total", [:], 1),  // "bye"; nobody was left for the others
                        ("ssescript_http_requests_total", ["status": "403"], 1),
                        ("ssescript_http_requests_total", ["status": "200"], 1),
                        ("ssescript_connections_accepted_total", [:], 4),
                    ])
            }
        }

        @Test func resumesAreCountedByResult() async throws {
            let script = """
                sse.stream("/feed", nil, { history = 5 })
                sse.post("/publish", function(req) sse.publish("/feed", { id = req.query.id, data = "x" }) return 204 end)
                """
            try await withObservedServer(script: script) { observed in
                let live = observed.live
                for id in 1...3 { #expect(try await curl(["-X", "POST", live.url("/publish?id=\(id)")]) == "204") }
                let before = try await observed.scrape()
                for lastEventID in ["2", "unknown"] {
                    let client = try RawConnection(port: live.port)
                    client.send("GET /feed HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(lastEventID)\r\n\r\n")
                    #expect(client.read(until: "id: 3\n").contains("id: 3\n"))
                }
                let after = try await observed.scrape()
                expectMoves(
                    before, after,
                    [
                        ("ssescript_resumes_total", ["result": "replayed"], 1),
                        ("ssescript_resumes_total", ["result": "gap"], 1),
                        ("ssescript_events_published_total", ["topic_kind": "stream"], 0),
                        ("ssescript_events_sent_total", [:], 1 + 4),  // id 3; the gap event and ids 1 to 3
                    ])
            }
        }
    }
}

/// Checks that each sample moved by exactly its amount between two scrapes.
func expectMoves(
    _ before: PrometheusScrape, _ after: PrometheusScrape, _ moves: [(String, [String: String], Double)],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for (name, labels, amount) in moves {
        let moved = (after.value(name, labels) ?? .nan) - (before.value(name, labels) ?? 0)
        #expect(moved == amount, "\(name)\(labels) moved by \(moved), not \(amount)", sourceLocation: sourceLocation)
    }
}

/// Runs curl once (one connection) on a thread of its own; returns the response status.
func curl(_ arguments: [String]) async throws -> String {
    try await onOwnThread {
        try run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30"] + arguments).output
    }
}
