import Foundation
import Testing

extension Live {
    /// `scripts/clock.lua` and `scripts/countdown.lua`, served for real and read by
    /// AsyncHTTPClient with swift-openapi-runtime's decoder.
    @Suite(.timeLimit(.minutes(1))) struct ExampleScriptTests {
        @Test func clockSendsRetryAndTheDateThenTimeMessage() async throws {
            try await withLiveServer(script: "file:" + Repository.path("scripts/clock.lua")) { live in
                let url = live.url("/sse")
                let (status, contentType, events) = try await withTimeout(15) {
                    var stream = try await SSEClient.open(url)
                    return (stream.status, stream.headers.first(name: "content-type"), try await stream.next(2))
                }
                #expect(status == 200)
                #expect(contentType == "text/event-stream; charset=utf-8")
                try #require(events.count == 2)
                #expect(events[0].retry == 6000)
                #expect(events[0].event == nil)
                let year = Calendar(identifier: .gregorian).component(.year, from: Date())
                #expect(
                    events[0].data?.hasSuffix(String(year)) == true, "os.date() looks like 'Wed Nov 25 15:22:22 2026'")
                #expect(events[1].event == "timeMessage")
                #expect(events[1].data?.hasSuffix(String(year)) == true)
            }
        }

        @Test func countdownSendsEachNumberWithItsIdThenEnds() async throws {
            try await withLiveServer(script: "file:" + Repository.path("scripts/countdown.lua")) { live in
                let url = live.url("/countdown?from=3")
                let started = Date()
                let events = try await withTimeout(10) {
                    var stream = try await SSEClient.open(url)
                    return try await stream.rest()
                }
                #expect(events.map(\.data) == ["3", "2", "1", "0"])
                #expect(events.map(\.id) == ["3", "2", "1", "0"])
                #expect(Date().timeIntervalSince(started) >= 2.9, "one a second")
            }
        }
    }
}

extension Live {
    /// The scripts under `examples/`, each served and read for real.
    @Suite(.timeLimit(.minutes(1))) struct ExamplesTests {
        /// The JSON object in an event's data.
        static func json(_ data: String?) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data((data ?? "").utf8)) as? [String: Any])
        }

        @Test func chatWelcomesRelaysMessagesAndSaysWhoLeft() async throws {
            try await withLiveServer(script: "file:" + Repository.path("examples/chat.lua")) { live in
                let room = EventCollector(live.url("/chat?name=ada"))
                try await room.waitFor { $0.count >= 2 }
                #expect(room.events[0].event == "welcome")
                #expect(try Self.json(room.events[0].data)["you"] as? String == "ada")
                #expect(try Self.json(room.events[0].data)["online"] as? Int == 1)
                #expect(room.events[1].event == "joined")
                let sent = try await SSEClient.fetch(
                    live.url("/chat"), method: .POST, body: #"{"name":"bob","text":"hi"}"#)
                #expect(sent.status == 204)
                try await room.waitFor { $0.count >= 3 }
                #expect(room.events[2].event == "message")
                #expect(try Self.json(room.events[2].data)["text"] as? String == "hi")
                let bad = try await SSEClient.fetch(live.url("/chat"), method: .POST, body: "not json")
                #expect(bad.status == 400 && bad.body.hasPrefix("send JSON like"))

                // Grace joins (she sees both of them), then closes her connection: ada hears both.
                let grace = try RawConnection(port: live.port)
                grace.send("GET /chat?name=grace HTTP/1.1\r\nHost: x\r\n\r\n")
                let greeting = grace.read(until: "event: joined")
                #expect(greeting.contains(#""members":["ada","grace"]"#), "\(greeting)")
                try await room.waitFor { $0.count >= 4 }
                #expect(room.events[3].event == "joined")
                #expect(try Self.json(room.events[3].data)["name"] as? String == "grace")
                grace.close()
                try await room.waitFor { $0.count >= 5 }
                #expect(room.events[4].event == "left")
                let left = try Self.json(room.events[4].data)
                #expect(left["name"] as? String == "grace" && left["reason"] as? String == "peer")
                #expect(left["online"] as? Int == 1)
            }
        }

        @Test func llmMockStreamsAnOpenAIStyleCompletion() async throws {
            try await withLiveServer(script: "file:" + Repository.path("examples/llm.lua")) { live in
                let url = live.url("/v1/chat/completions")
                let events = try await withTimeout(15) {
                    var stream = try await SSEClient.open(
                        url, method: .POST,
                        body: #"{"stream":true,"messages":[{"role":"user","content":"What is SSE?"}]}"#)
                    return try await stream.rest()
                }
                #expect(events.last?.data == "[DONE]", "the stream ends after [DONE]")
                let chunks = try events.dropLast().map { try Self.json($0.data) }
                let deltas = chunks.compactMap {
                    (($0["choices"] as? [[String: Any]])?.first?["delta"]) as? [String: Any]
                }
                #expect(deltas.first?["role"] as? String == "assistant")
                let text = deltas.compactMap { $0["content"] as? String }.joined()
                #expect(text.hasPrefix("Server-Sent Events push text") && text.hasSuffix("reconnects by itself."))
                let finish = chunks.map { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] }
                #expect(finish.last as? String == "stop")
                #expect(finish.dropLast().allSatisfy { $0 is NSNull }, "finish_reason is null until the end")
                let refused = try await SSEClient.fetch(url)
                #expect(refused.status == 400 && refused.body.hasPrefix("POST a JSON body"))
            }
        }

        @Test func recordedServesTheTickerAgainWithItsTiming() async throws {
            try await withLiveServer(script: "file:" + Repository.path("examples/recorded.lua")) { live in
                let received = try await TimedReader.read(live.url("/once?speed=4"))
                #expect(received.first?.event.retry == 2000, "the recording's first record")
                let arrivals = received.filter { $0.event.data != nil }
                #expect(arrivals.map(\.event.event) == ["quote", "quote", "quote", "quote", "halt", "quote", "end"])
                #expect(arrivals.prefix(6).map(\.event.id) == ["1", "2", "3", "4", "5", "6"])
                #expect(try Self.json(arrivals[4].event.data)["reason"] as? String == "volatility")
                // Recorded at 0, 0.41, 1.00, 1.00, 2.25, 3.00 s; a quarter of that.
                #expect(abs(arrivals[5].time - arrivals[0].time - 0.75) < 0.05, "\(arrivals.map(\.time))")
                #expect(abs(arrivals[4].time - arrivals[3].time - 0.31) < 0.05)
                let shared = EventCollector(live.url("/ticker"))
                try await shared.waitFor(seconds: 5) { $0.count >= 2 }
                #expect(shared.events.allSatisfy { $0.event == "quote" || $0.event == "halt" })
            }
        }

        @Test func dashboardNumbersItsMetricsAndResumes() async throws {
            try await withLiveServer(script: "file:" + Repository.path("examples/dashboard.lua")) { live in
                let first = EventCollector(live.url("/metrics"))
                _ = try await SSEClient.fetch(live.url("/hit"), method: .POST)
                try await first.waitFor(seconds: 15) { $0.count >= 3 }
                let metrics = first.events.filter { $0.event == "metrics" }
                let ids = metrics.compactMap(\.id)
                #expect(ids.count == metrics.count && ids.allSatisfy { $0.contains("-") }, "server-made ids: \(ids)")
                let latest = try Self.json(metrics.last?.data)
                #expect(latest["clients"] as? Int == 1 && latest["requests"] as? Int == 1)
                first.stop()
                // Coming back with the first id gets every later event again, in order.
                let resumed = EventCollector(live.url("/metrics"), headers: [("Last-Event-ID", ids[0])])
                try await resumed.waitFor { $0.count >= metrics.count - 1 }
                #expect(Array(resumed.events.compactMap(\.id).prefix(ids.count - 1)) == Array(ids.dropFirst()))
            }
        }
    }
}
