import Foundation
import NIOHTTP1
import Scripting
import Testing

extension Live {
    /// The `sse` module served live (the README's Lua API): broadcast, logging,
    /// every handler method, what handlers get and return, yields, and how event
    /// fields are written.
    @Suite(.timeLimit(.minutes(1))) struct LuaAPITests {
        /// `sse.broadcast` reaches every open stream whatever its path or topics, and
        /// is not kept: a client resuming gets only what was published with an id.
        @Test func broadcastReachesEveryStreamAndIsNotKept() async throws {
            let script = """
                sse.stream("/a"); sse.stream("/b"); sse.stream("/quiet", function(client) client:unsubscribe("/quiet") end)
                sse.post("/broadcast", function(req) return tostring(sse.broadcast({ id = "b", data = req.body })) end)
                sse.post("/publish", function(req) return tostring(sse.publish("/a", { id = req.query.id, data = req.body })) end)
                sse.post("/send", function(req)
                  for _, client in ipairs(clients) do client:send({ id = "s", data = req.body }) end
                  return 204
                end)
                clients = {}
                sse.stream("/held", function(client) clients[#clients + 1] = client end)
                """
            try await withLiveServer(script: script) { live in
                let streams = ["/a", "/b", "/quiet", "/held"].map { EventCollector(live.url($0)) }
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count() } == 4 }
                #expect(try await SSEClient.fetch(live.url("/publish?id=1"), method: .POST, body: "one").body == "1")
                #expect(try await SSEClient.fetch(live.url("/broadcast"), method: .POST, body: "all").body == "4")
                #expect(try await SSEClient.fetch(live.url("/send"), method: .POST, body: "sent").status == 204)
                #expect(try await SSEClient.fetch(live.url("/publish?id=3"), method: .POST, body: "three").body == "1")
                try await streams[0].waitFor { $0 == ["one", "all", "three"] }
                for stream in streams.dropFirst() { try await stream.waitFor { $0.contains("all") } }
                #expect(streams[3].data == ["all", "sent"])
                let resumed = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/a"), headers: [("Last-Event-ID", "1")])
                    return try await stream.next(1).map(\.data)
                }
                #expect(resumed == ["three"], "the broadcast and the send were not kept in /a's history")
            }
        }

        /// `sse.log` and `print` are log lines on the server's standard error: the
        /// time, `info`, the text (no label or module before it).
        @Test func logAndPrintGoToTheLog() async throws {
            let served = try RunningBinary.serve(
                """
                sse.stream("/s")
                sse.log("hello", 1, true, nil)
                print("printed", 2.5)
                sse.get("/later", function() print("from a handler"); return 204 end)
                """)
            defer { served.binary.terminate() }
            #expect(try await SSEClient.fetch(served.base + "/later").status == 204)
            try await waitUntil { served.binary.errors.contains("from a handler") }
            let lines = served.binary.errors.split(separator: "\n")
            #expect(lines.contains { $0.wholeMatch(of: /\S+Z info hello\t1\ttrue\tnil/) != nil }, "\(lines)")
            #expect(lines.contains { $0.wholeMatch(of: /\S+Z info printed\t2\.5/) != nil })
            #expect(lines.contains { $0.wholeMatch(of: /\S+Z info from a handler/) != nil })
        }

        /// Handlers for every method, what `req` holds, and the response made of what
        /// they return.
        @Test func handlersForEveryMethodGetTheRequestAndReturnTheResponse() async throws {
            let script = """
                local function describe(req) return req.method .. " " .. req.path .. " " .. req.remote .. " " .. req.body end
                sse.put("/thing", describe)
                sse.patch("/thing", describe)
                sse.delete("/thing", function(req) return 200, describe(req), { ["X-Deleted"] = "yes" } end)
                sse.get("/table", function(req) return { path = req.path, n = 1 } end)
                """
            try await withLiveServer(script: script) { live in
                for method in [HTTPMethod.PUT, .PATCH, .DELETE] {
                    let answer = try await SSEClient.fetch(live.url("/thing?x=1"), method: method, body: "b")
                    #expect(answer.status == 200 && answer.body == "\(method.rawValue) /thing 127.0.0.1 b")
                }
                #expect(
                    try await SSEClient.fetch(live.url("/thing"), method: .DELETE).headers.first(name: "x-deleted")
                        == "yes")
                let refused = try await SSEClient.fetch(live.url("/thing"))
                #expect(refused.status == 405 && refused.headers.first(name: "allow") == "DELETE, PATCH, PUT")
                let table = try await SSEClient.fetch(live.url("/table"))
                #expect(table.status == 200 && table.headers.first(name: "content-type") == "application/json")
                let json = try JSONSerialization.jsonObject(with: Data(table.body.utf8)) as? [String: Any]
                #expect(json?["path"] as? String == "/table" && json?["n"] as? Int == 1, "\(table.body)")
            }
        }

        /// A bare `coroutine.yield()` in a handler gives the loop a turn and goes on:
        /// each turn gets its own `--script-timeout`, and other timers run between.
        @Test func aBareYieldGivesTheLoopATurnAndGoesOn() async throws {
            var options = ScriptOptions()
            options.timeout = .milliseconds(100)
            let script = """
                local ticks = 0
                sse.every(0.01, function() ticks = ticks + 1 end)
                sse.get("/work", function()
                  local before = ticks
                  for _ = 1, 10 do  -- 0.5 s of CPU in all, 50 ms at a time
                    local t = os.clock(); while os.clock() - t < 0.05 do end
                    coroutine.yield()
                  end
                  return tostring(ticks > before)
                end)
                sse.stream("/s", function(client) client:send("a"); coroutine.yield(); client:send("b") end)
                """
            try await withLiveServer(script: script, options: options) { live in
                #expect(try await SSEClient.fetch(live.url("/work")).body == "true", "finished, timers ran between")
                let events = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/s"))
                    return try await stream.next(2).map(\.data)
                }
                #expect(events == ["a", "b"])
            }
        }

        /// Booleans as data, the `comment` field, and invalid UTF-8 replaced by
        /// U+FFFD, exactly as they go on the wire.
        @Test func eventFieldsOnTheWire() async throws {
            let script = #"""
                sse.stream("/s", function(client)
                  client:send{ data = true }
                  client:send{ data = false, comment = "a note" }
                  client:send{ data = "a\255\254b", id = "i\255" }
                  client:send("ok\192")
                end)
                """#
            try await withLiveServer(script: script) { live in
                let bytes = try await onOwnThread {
                    let connection = try RawConnection(port: live.port)
                    connection.send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n")
                    return connection.read(until: "data: ok\u{FFFD}\n\n\r\n")
                }
                let body = try #require(
                    bytes.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
                let expected = [
                    ": ok\n", "data: true\n\n", ": a note\ndata: false\n\n",
                    "id: i\u{FFFD}\ndata: a\u{FFFD}\u{FFFD}b\n\n", "data: ok\u{FFFD}\n\n",
                ]
                #expect(body == expected.map(chunk).joined(), "\(body.debugDescription)")
            }
        }
    }
}
