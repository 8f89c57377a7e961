import Foundation
import NIOHTTP1
import Testing

extension Live {
    /// Resume options and wire behaviour as a script declares them, served live:
    /// a stream's own heartbeat, the default history, `last_event_id` without a
    /// history, CORS on refusals, the 408, heartbeats through a blocking call.
    @Suite(.timeLimit(.minutes(1))) struct WireTests {
        /// `{ heartbeat = 0.2 }` on one stream: its idle clients get comments every
        /// 0.2 s, while another stream's (the server's 15 s) get none meanwhile.
        @Test func aStreamsHeartbeatOption() async throws {
            let script = #"sse.stream("/fast", nil, { heartbeat = 0.2 }); sse.stream("/slow")"#
            try await withLiveServer(script: script) { live in
                let (fast, slow) = try await onOwnThread {
                    let fast = try RawConnection(port: live.port)
                    let slow = try RawConnection(port: live.port)
                    fast.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
                    slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = fast.read(until: ": ok\n\r\n")
                    _ = slow.read(until: ": ok\n\r\n")
                    let beats = fast.read(seconds: 10) { $0.components(separatedBy: ": heartbeat\n").count > 3 }
                    slow.setReadTimeout(seconds: 0.05)
                    return (beats, slow.read(seconds: 0.05))
                }
                #expect(fast == String(repeating: chunk(": heartbeat\n"), count: 3))
                #expect(slow == "", "the other stream's heartbeat is the server's")
            }
        }

        /// A stream without a `history` option keeps its last 100 events with an id,
        /// and a topic that is not a stream path keeps 100 too.
        @Test func theDefaultHistoryIsAHundredEvents() async throws {
            let script = """
                sse.stream("/feed")
                sse.stream("/room", function(client) client:subscribe("chat"); client:unsubscribe("/room") end)
                for n = 1, 150 do sse.publish("/feed", { id = n, data = n }); sse.publish("chat", { id = "c" .. n, data = n }) end
                """
            try await withLiveServer(script: script) { live in
                try await withTimeout(20) {
                    var oldest = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "51")])
                    #expect(try await oldest.next(99).map(\.id) == (52...150).map { "\($0)" }, "51 is the oldest kept")
                    var evicted = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "50")])
                    let events = try await evicted.next(101)
                    #expect(events.first?.event == "ssescript-gap" && events.first?.data == "50")
                    #expect(events.dropFirst().map(\.id) == (51...150).map { "\($0)" })
                    var topic = try await SSEClient.open(live.url("/room"), headers: [("Last-Event-ID", "c51")])
                    #expect(try await topic.next(99).map(\.id) == (52...150).map { "c\($0)" }, "chat keeps 100 too")
                }
            }
        }

        /// With `history = 0` nothing is replayed and no gap event is sent, but the
        /// handler still sees `client.last_event_id`.
        @Test func lastEventIDIsSeenWithoutAHistory() async throws {
            let script = """
                sse.stream("/feed", function(client) client:send("asked for " .. tostring(client.last_event_id)) end, { history = 0 })
                for n = 1, 5 do sse.publish("/feed", { id = n, data = n }) end
                """
            try await withLiveServer(script: script) { live in
                for (headers, path, expected) in [
                    ([("Last-Event-ID", "3")], "/feed", "asked for 3"), ([], "/feed?lastEventId=4", "asked for 4"),
                    ([], "/feed", "asked for nil"),
                ] {
                    let events = try await withTimeout(10) {
                        var stream = try await SSEClient.open(live.url(path), headers: headers)
                        return try await stream.next(1)
                    }
                    #expect(events.map(\.data) == [expected] && events.first?.event == nil)
                }
            }
        }

        /// Refusals carry CORS, so a page on another port can read why: 405, 413, 503.
        @Test func refusalsCarryCORSLive() async throws {
            let script = #"sse.stream("/feed"); sse.post("/echo", function(req) return 200, req.body end)"#
            try await withLiveServer(
                script: script,
                configure: {
                    $0.maxBody = 10
                    $0.maxClients = 1
                }
            ) { live in
                let origin = [("Origin", "http://localhost:5173")]
                func allowed(_ answer: (status: UInt, headers: HTTPHeaders, body: String)) -> Bool {
                    answer.headers.first(name: "access-control-allow-origin") == "http://localhost:5173"
                        && answer.headers.first(name: "vary") == "Origin"
                }
                let wrong = try await SSEClient.fetch(live.url("/feed"), method: .DELETE, headers: origin)
                #expect(wrong.status == 405 && allowed(wrong))
                let large = try await SSEClient.fetch(
                    live.url("/echo"), method: .POST, headers: origin, body: String(repeating: "x", count: 11))
                #expect(large.status == 413 && allowed(large))
                let holder = EventCollector(live.url("/feed"))
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count() } == 1 }
                let full = try await SSEClient.fetch(live.url("/feed"), headers: origin)
                #expect(full.status == 503 && allowed(full) && full.body == "too many clients, retry later\n")
                holder.stop()
            }
        }

        /// A request whose body does not come in time gets `408` and its one line;
        /// one whose head does not come is just closed.
        @Test func aRequestNotCompletedInTimeIs408() async throws {
            let script = #"sse.post("/echo", function(req) return 200, req.body end)"#
            try await withLiveServer(script: script, configure: { $0.requestTimeout = .milliseconds(500) }) { live in
                let (body, head, headClosed) = try await onOwnThread {
                    let slowBody = try RawConnection(port: live.port)
                    slowBody.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
                    let slowHead = try RawConnection(port: live.port)
                    slowHead.send("POST /echo HTTP/1.1\r\nContent-Le")
                    return (slowBody.read(seconds: 5), slowHead.read(seconds: 5), slowHead.isClosedByPeer(within: 1))
                }
                #expect(
                    body
                        == "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 30\r\n"
                        + "Connection: close\r\n\r\nrequest not completed in time\n")
                #expect(head == "" && headClosed)
            }
        }

        /// A blocking call holds the script loop, so no event is produced meanwhile,
        /// but heartbeats (written by the I/O threads) keep flowing.
        @Test func heartbeatsFlowThroughABlockingCall() async throws {
            let script = """
                sse.stream("/quiet", nil, { heartbeat = 0.2 })
                sse.stream("/tick")
                sse.every(0.05, function() sse.publish("/tick", "tick") end)
                sse.get("/block", function() os.execute("sleep 1.5"); return "unblocked" end)
                """
            try await withLiveServer(script: script) { live in
                let port = live.port
                let heartbeats = Task {
                    try await onOwnThread {
                        let connection = try RawConnection(port: port)
                        connection.send("GET /quiet HTTP/1.1\r\nHost: x\r\n\r\n")
                        var arrivals: [Date] = []
                        let deadline = ContinuousClock.now + .seconds(4)
                        while ContinuousClock.now < deadline,
                            connection.receive({ bytes in
                                let text = String(decoding: bytes, as: UTF8.self)
                                for _ in text.components(separatedBy: ": heartbeat\n").dropFirst() {
                                    arrivals.append(Date())
                                }
                            })
                        {}
                        return arrivals
                    }
                }
                let ticks = EventCollector(live.url("/tick"))
                try await ticks.waitFor { $0.count >= 5 }
                let started = Date()
                #expect(try await SSEClient.fetch(live.url("/block")).body == "unblocked")
                let ended = Date()
                try await ticks.waitFor { $0.count >= 30 }
                #expect(ticks.longestGap > .milliseconds(1200), "no event while the loop was blocked")
                let during = try await heartbeats.value.filter { $0 > started && $0 < ended }
                #expect(
                    during.count >= 4, "\(during.count) heartbeats in the \(ended.timeIntervalSince(started)) s blocked"
                )
            }
        }
    }
}
