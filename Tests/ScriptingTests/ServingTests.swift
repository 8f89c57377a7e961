import Foundation
import NIOHTTP1
import Testing

extension Live {
    /// The `sse` API served live: fan-out, topics, disconnects, HTTP handlers, errors.
    @Suite(.timeLimit(.minutes(1))) struct ServingTests {
        @Test func twoHundredClientsEachGetExactlyOneCopyOfAPublish() async throws {
            let script = """
                sse.stream("/feed")
                sse.post("/publish", function(req)
                  return 200, tostring(sse.publish("/feed", { id = req.query.id, data = req.body }))
                end)
                """
            try await withLiveServer(script: script) { live in
                let url = live.url("/feed")
                try await withThrowingTaskGroup(of: [String?].self) { group in
                    for _ in 0..<200 {
                        group.addTask {
                            var stream = try await SSEClient.open(url)
                            return try await stream.next(2).map(\.data)
                        }
                    }
                    try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/feed") } == 200 }
                    let first = try await SSEClient.fetch(live.url("/publish?id=1"), method: .POST, body: "hello")
                    #expect(first.status == 200 && first.body == "200")
                    let second = try await SSEClient.fetch(live.url("/publish?id=2"), method: .POST, body: "end")
                    #expect(second.body == "200")
                    var received = 0
                    for try await events in group {
                        #expect(events == ["hello", "end"])
                        received += 1
                    }
                    #expect(received == 200)
                }
            }
        }

        @Test func aClientThatDisconnectsIsGoneAndItsHandlerEnds() async throws {
            let script = """
                running = 0
                sse.stream("/feed", function(client)
                  running = running + 1
                  local done <close> = setmetatable({}, { __close = function() running = running - 1 end })
                  while client:send("tick") do sse.sleep(0.05) end
                end)
                sse.get("/stats", function() return 200, sse.clients() .. " " .. sse.clients("/feed") .. " " .. running end)
                """
            try await withLiveServer(script: script) { live in
                let connection = try RawConnection(port: live.port)
                connection.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(connection.read(until: "tick").contains("data: tick"))
                #expect(try await SSEClient.fetch(live.url("/stats")).body == "1 1 1")
                connection.close()
                try await waitUntil { try await SSEClient.fetch(live.url("/stats")).body == "0 0 0" }
            }
        }

        @Test func postHandlerPublishesToTheStreamOnTheSamePath() async throws {
            let script = """
                sse.stream("/chat")
                sse.post("/chat", function(req)
                  sse.publish("/chat", { event = "message", data = req.body })
                  return 204
                end)
                """
            try await withLiveServer(script: script) { live in
                let url = live.url("/chat")
                async let events = withTimeout(10) {
                    var stream = try await SSEClient.open(url)
                    return try await stream.next(1)
                }
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/chat") } == 1 }
                let posted = try await SSEClient.fetch(url, method: .POST, body: "hi there")
                #expect(posted.status == 204)
                let received = try await events
                #expect(received.first?.event == "message")
                #expect(received.first?.data == "hi there")
            }
        }

        @Test func unknownPathIs404AndWrongMethodIs405WithOneLine() async throws {
            try await withLiveServer(script: #"sse.stream("/sse"); sse.post("/send", function() return 204 end)"#) {
                live in
                let missing = try await SSEClient.fetch(live.url("/nowhere"))
                #expect(missing.status == 404)
                #expect(missing.body == "no stream or handler at /nowhere\n")
                let wrong = try await SSEClient.fetch(live.url("/sse"), method: .DELETE)
                #expect(wrong.status == 405)
                #expect(wrong.headers.first(name: "allow") == "GET, POST")
                #expect(wrong.body == "DELETE is not allowed on /sse\n")
                let getOnPost = try await SSEClient.fetch(live.url("/send"))
                #expect(getOnPost.status == 405 && getOnPost.headers.first(name: "allow") == "POST")
            }
        }

        @Test func aFailingHandlerCostsOnlyItsOwnClient() async throws {
            let script = """
                sse.stream("/s", function(client)
                  if client.query.fail == "early" then error("boom") end
                  client:send("hello")
                  if client.query.fail == "late" then local t = nil; return t.x end
                end)
                sse.every(0.05, function() sse.publish("/s", "tick") end)
                """
            try await withLiveServer(script: script) { live in
                let url = live.url("/s")
                async let healthy = withTimeout(10) {
                    var stream = try await SSEClient.open(url)
                    return try await stream.next(10).map(\.data)
                }
                let early = try await SSEClient.fetch(live.url("/s?fail=early"))
                #expect(early.status == 500)
                #expect(early.body == "script error\n")
                let late = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/s?fail=late"))
                    return try await stream.rest().map(\.data)
                }
                #expect(late == ["hello"], "the stream is closed after the error")
                let events = try await healthy
                #expect(events.first == "hello")
                #expect(events.dropFirst().allSatisfy { $0 == "tick" } && events.count == 10)
            }
        }

        @Test func handlersReturnStatusBodyAndHeaders() async throws {
            let script = """
                sse.get("/text", function(req) return "hello " .. (req.query.name or "?") end)
                sse.get("/json", function(req) return 201, { ok = true, method = req.method } end)
                sse.get("/headers", function(req) return 200, req.headers["x-test"], { ["X-Reply"] = "yes" } end)
                sse.get("/nothing", function() end)
                sse.get("/slow", function() sse.sleep(0.05); return "later" end)
                sse.get("/bad", function() return 200, "x", { ["X-Bad"] = "a\\r\\nInjected: 1" } end)
                """
            try await withLiveServer(script: script) { live in
                let text = try await SSEClient.fetch(live.url("/text?name=w%C3%B6rld"))
                #expect(text.status == 200 && text.body == "hello wörld")
                #expect(text.headers.first(name: "content-type") == "text/plain; charset=utf-8")
                let json = try await SSEClient.fetch(live.url("/json"))
                #expect(json.status == 201 && json.headers.first(name: "content-type") == "application/json")
                #expect(json.body.contains(#""ok":true"#) && json.body.contains(#""method":"GET""#))
                let headers = try await SSEClient.fetch(live.url("/headers"), headers: [("X-Test", "echo")])
                #expect(headers.body == "echo" && headers.headers.first(name: "x-reply") == "yes")
                #expect(try await SSEClient.fetch(live.url("/nothing")).status == 204)
                #expect(try await SSEClient.fetch(live.url("/slow")).body == "later")
                let bad = try await SSEClient.fetch(live.url("/bad"))
                #expect(bad.status == 500 && bad.headers.first(name: "injected") == nil)
            }
        }
    }
}
