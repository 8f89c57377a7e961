import Foundation
import Testing

@testable import Scripting

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// Hot reload: edit the script, keep every connection.
    @Suite(.timeLimit(.minutes(1))) struct ReloadTests {
        @Test func aClientReadsTheOldThenTheNewScriptOnTheSameConnection() async throws {
            let path = try TemporaryScript.write(VersionedScript.source("v1"))
            try await withLiveServer(script: "file:" + path) { live in
                try await live.onScriptLoop { live.host.startWatching(interval: .milliseconds(50)) }
                let stream = EventCollector(live.url("/s"))
                try await stream.waitFor { $0.contains("v1") }
                try VersionedScript.source("v2").write(toFile: path, atomically: false, encoding: .utf8)  // saved in place
                try await stream.waitFor { $0.suffix(3) == ["v2", "v2", "v2"] }
                let data = stream.data
                #expect(data.first == "hello v1")
                #expect(!data.contains("hello v2"), "the script skips its greeting for reloaded clients")
                let firstNew = try #require(data.firstIndex(of: "v2"))
                #expect(!data[firstNew...].contains("v1"), "the old timers never fire after the swap")
                #expect(!stream.hasEnded)
                #expect(
                    try await live.onScriptLoop { live.server.hub.count() } == 1, "the same connection, no reconnect")
            }
        }

        @Test func aBrokenVersionLeavesTheOldOneRunningUntilItIsFixed() async throws {
            let path = try TemporaryScript.write(VersionedScript.source("v1"))
            let log = LogRecorder()
            try await withLiveServer(script: "file:" + path, logger: log.logger) { live in
                try await live.onScriptLoop { live.host.startWatching(interval: .milliseconds(50)) }
                let stream = EventCollector(live.url("/s"))
                try await stream.waitFor { $0.contains("v1") }

                try (VersionedScript.source("v2") + "\nsse.every(1, function(\n").write(
                    toFile: path, atomically: false, encoding: .utf8)
                try await waitUntil { log.contains("reload of \(path) failed") }
                #expect(
                    log.contains("script.lua:8: <name> or '...' expected near <eof>"), "a syntax error with file:line")
                #expect(try await live.onScriptLoop { live.host.lastReloadError }?.contains("script.lua:8:") == true)

                try VersionedScript.source("v3", extra: "local t = nil\nprint(t.x)").write(
                    toFile: path, atomically: false, encoding: .utf8)
                try await waitUntil { log.contains("script.lua:7: attempt to index a nil value") }
                let count = stream.data.count
                try await stream.waitFor { $0.count >= count + 5 }
                #expect(stream.data.dropFirst().allSatisfy { $0 == "v1" }, "the old script kept flowing")

                try VersionedScript.source("v4").write(toFile: path, atomically: false, encoding: .utf8)
                try await stream.waitFor { $0.last == "v4" }
                #expect(try await live.onScriptLoop { live.host.lastReloadError } == nil)
                #expect(!stream.hasEnded)
            }
        }

        @Test func aSaveByRenameIsPickedUpWithinASecond() async throws {
            let path = try TemporaryScript.write(VersionedScript.source("v1"))
            try await withLiveServer(script: "file:" + path) { live in
                try await live.onScriptLoop { live.host.startWatching() }  // the default 100 ms, as `serve` uses
                let stream = EventCollector(live.url("/s"))
                try await stream.waitFor { $0.contains("v1") }
                let saved = Date()
                try VersionedScript.source("v2").write(toFile: path + ".swp", atomically: false, encoding: .utf8)
                #expect(rename(path + ".swp", path) == 0)
                try await stream.waitFor { $0.contains("v2") }
                let elapsed = Date().timeIntervalSince(saved)
                #expect(elapsed < 1, "seen \(elapsed) s after the save (a tick of 100 ms, one more to settle)")
            }
        }

        @Test func editingARequiredModuleReloads() async throws {
            let path = try TemporaryScript.write(
                """
                local greeting = require "greeting"
                sse.stream("/s")
                sse.every(0.05, function() sse.publish("/s", greeting.text) end)
                """)
            let module = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("greeting.lua")
                .path
            try #"return { text = "hello" }"#.write(toFile: module, atomically: false, encoding: .utf8)
            try await withLiveServer(script: "file:" + path) { live in
                try await live.onScriptLoop { live.host.startWatching(interval: .milliseconds(50)) }
                let stream = EventCollector(live.url("/s"))
                try await stream.waitFor { $0.contains("hello") }
                try #"return { text = "bonjour" }"#.write(toFile: module, atomically: true, encoding: .utf8)
                try await stream.waitFor { $0.last == "bonjour" }
            }
        }

        @Test func stateSurvivesAndTheOldTimersNeverFireAgain() async throws {
            let path = try TemporaryScript.write(
                """
                sse.state.loads = (sse.state.loads or 0) + 1
                sse.state.nested = sse.state.nested or { list = { 1, 2, 3 }, flag = true, name = "n" }
                sse.state.none = sse.state.none or { sse.json.null, missing = sse.json.null }
                sse.state.callback = print
                sse.stream("/s")
                sse.every(0.02, function() sse.publish("/s", "tick " .. sse.state.loads) end)
                function sse.on_reload() sse.publish("/s", "reloaded " .. sse.state.loads) end
                """)
            let log = LogRecorder()
            try await withLiveServer(script: "file:" + path, logger: log.logger) { live in
                let stream = EventCollector(live.url("/s"))
                try await stream.waitFor { $0.contains("tick 1") }
                #expect(try await live.onScriptLoop { live.host.reload(because: "test") })
                try await stream.waitFor { $0.contains("tick 2") }
                let data = stream.data
                let swap = try #require(data.firstIndex(of: "reloaded 2"))
                #expect(!data[swap...].contains("tick 1"))
                #expect(data[..<swap].allSatisfy { $0 == "tick 1" })
                #expect(log.contains("sse.state.callback (a function) is not plain data and was not carried over"))
                let nested = try await live.onScriptLoop {
                    try live.host.vm!.lua.run(
                        """
                        return table.concat({ sse.state.loads, sse.state.nested.list[3], tostring(sse.state.nested.flag),
                          tostring(sse.state.none[1] == sse.json.null and sse.state.none.missing == sse.json.null),
                          sse.json.encode(sse.state.none[1]) }, ' ')
                        """
                    ).map(\.string)
                }
                #expect(nested == ["2 3 true true null"], "sse.json.null is carried as JSON null")
            }
        }

        /// At a swap: every open stream is handed over (the log line counts them) and
        /// keeps the topics it subscribed to; an HTTP handler still working answers
        /// `503` with `Retry-After: 1`; the global `on_reload` runs.
        @Test func aSwapHandsOverStreamsKeepsTheirTopicsAndRefusesHandlersInFlight() async throws {
            let path = try TemporaryScript.write(
                """
                sse.stream("/s", function(client) client:subscribe("room"); client:send("hello") end)
                sse.get("/slow", function() waiting = true; sse.sleep(30); return "too late" end)
                """)
            let log = LogRecorder()
            try await withLiveServer(script: "file:" + path, logger: log.logger) { live in
                let streams = (0..<3).map { _ in EventCollector(live.url("/s")) }
                for stream in streams { try await stream.waitFor { $0 == ["hello"] } }
                let slow = Task { try await SSEClient.fetch(live.url("/slow")) }
                try await waitUntil {
                    try await live.onScriptLoop { try live.host.vm!.lua.run("return tostring(waiting)").map(\.string) }
                        == ["true"]
                }
                try """
                sse.stream("/s", function(client) end)  -- subscribes reloaded clients to nothing more
                sse.post("/say", function(req) return tostring(sse.publish("room", req.body)) end)
                function on_reload() sse.publish("room", "swapped") end
                """.write(toFile: path, atomically: false, encoding: .utf8)
                #expect(try await live.onScriptLoop { live.host.reload(because: "test") })

                let refused = try await slow.value
                #expect(refused.status == 503 && refused.headers.first(name: "retry-after") == "1")
                #expect(refused.body == "the script was reloaded or stopped; retry\n")
                let line = try #require(log.messages.first { $0.contains("reloaded \(path)") })
                #expect(
                    line.wholeMatch(of: /info: reloaded .+ \(test\) in [0-9]+\.[0-9] ms, 3 streams handed over/) != nil,
                    "\(line)")
                #expect(try await SSEClient.fetch(live.url("/say"), method: .POST, body: "after").body == "3")
                for stream in streams { try await stream.waitFor { $0 == ["hello", "swapped", "after"] } }
                #expect(streams.allSatisfy { !$0.hasEnded })
            }
        }

        /// The configuration the demo page at `/` is served with (streams, event
        /// names, the last reload error).
        static func demoPageConfig(_ live: LiveServer) async throws -> [String: Any] {
            let page = try await SSEClient.fetch(live.url("/"))
            #expect(page.status == 200 && page.headers.first(name: "content-type") == "text/html; charset=utf-8")
            let json = try #require(page.body.firstMatch(of: /const config = (.+);\n/)?.1)
            return try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        }

        /// A reload that fails is shown on the demo page (its config carries the
        /// error) until a good version loads.
        @Test func aFailedReloadIsShownOnTheDemoPageUntilFixed() async throws {
            let path = try TemporaryScript.write(VersionedScript.source("v1"))
            try await withLiveServer(script: "file:" + path) { live in
                try "sse.stream('/s'\n".write(toFile: path, atomically: false, encoding: .utf8)
                #expect(try await live.onScriptLoop { live.host.reload(because: "test") } == false)
                let broken = try await Self.demoPageConfig(live)
                let error = try #require(broken["reloadError"] as? String)
                #expect(error.hasSuffix("script.lua:2: ')' expected (to close '(' at line 1) near <eof>"), "\(error)")
                try VersionedScript.source("v2").write(toFile: path, atomically: false, encoding: .utf8)
                #expect(try await live.onScriptLoop { live.host.reload(because: "test") })
                #expect(try await Self.demoPageConfig(live)["reloadError"] is NSNull)
            }
        }

        @Test func aStreamWhosePathIsGoneGetsACommentAndEnds() async throws {
            let path = try TemporaryScript.write(#"sse.stream("/old"); sse.stream("/kept")"#)
            try await withLiveServer(script: "file:" + path) { live in
                let connection = try RawConnection(port: live.port)
                connection.send("GET /old HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(connection.read(until: ": ok\n").contains("200 OK"))
                try #"sse.stream("/kept")"#.write(toFile: path, atomically: false, encoding: .utf8)
                #expect(try await live.onScriptLoop { live.host.reload(because: "test") })
                let rest = connection.read(until: "0\r\n\r\n")
                #expect(rest.contains(": stream /old no longer exists\n"))
                #expect(rest.hasSuffix("0\r\n\r\n"), "the chunked body ends cleanly")
                connection.send("GET /old HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(
                    connection.read(until: "at /old\n").hasPrefix("HTTP/1.1 404 Not Found\r\n"),
                    "the kept-alive connection answers the next request")
            }
        }
    }
}
