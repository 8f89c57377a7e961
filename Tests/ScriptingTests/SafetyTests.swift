import Foundation
import Scripting
import Testing

extension Live {
    /// Bad scripts cost only themselves: a bystander on `/tick` keeps its events on time
    /// throughout every test here.
    @Suite(.timeLimit(.minutes(1))) struct SafetyTests {
        /// The bystander `/tick` and `/memory`; `extra` adds what a test breaks.
        static func script(_ extra: String) -> String {
            """
            \(Bystander.script)
            sse.get("/memory", function() collectgarbage(); return 200, tostring(math.floor(collectgarbage("count"))) end)
            \(extra)
            """
        }

        @Test func runawayCodeIsStoppedAndOthersKeepTheirEvents() async throws {
            var options = ScriptOptions()
            options.timeout = .milliseconds(100)
            let log = LogRecorder()
            let script = Self.script(
                """
                sse.stream("/spin", function(client) while true do end end)
                sse.get("/stubborn", function()
                  while true do pcall(function() while true do end end) end
                end)
                sse.get("/spin-timer", function() sse.after(0, function() while true do end end); return 204 end)
                """)
            try await withLiveServer(script: script, options: options, logger: log.logger) { live in
                let bystander = EventCollector(live.url("/tick"))
                try await bystander.waitFor { $0.count >= 3 }
                // Each runaway holds the script loop until it has used its 100 ms of CPU
                // time, which on a busy machine is several times that in wall time
                // (measured: 0.3 to 0.5 s here, up to 1 s with a CPU hog beside it). The
                // bystander may wait that long, and no longer: each runaway's time is
                // measured from outside, and the bystander's longest gap must stay within
                // the longest of them plus 0.5 s.
                var blocked = Duration.zero
                func runaway<T>(_ body: () async throws -> T) async throws -> T {
                    let started = ContinuousClock.now
                    let result = try await body()
                    blocked = max(blocked, ContinuousClock.now - started)
                    return result
                }
                let spin = try await runaway { try await SSEClient.fetch(live.url("/spin")) }
                #expect(spin.status == 500 && spin.body == "script error\n")
                try await Bystander.expectOnTime(bystander, within: blocked + .milliseconds(500))
                let stubborn = try await runaway { try await SSEClient.fetch(live.url("/stubborn")) }
                #expect(stubborn.status == 500, "a pcall in the script cannot swallow the stop")
                try await Bystander.expectOnTime(bystander, within: blocked + .milliseconds(500))
                try await runaway {
                    #expect(try await SSEClient.fetch(live.url("/spin-timer")).status == 204)
                    try await waitUntil {
                        log.messages.filter { $0.contains("ran too long without yielding (over 100 ms)") }.count == 3
                    }
                }
                try await Bystander.expectOnTime(bystander, within: blocked + .milliseconds(500))
                #expect(log.contains("script error in stream /spin"))
                #expect(log.contains("script error in handler /stubborn"))
                #expect(log.contains("script error in timer"))
            }
        }

        @Test func aMemoryBombFailsOnlyItsCallbackAndTheMemoryComesBack() async throws {
            var options = ScriptOptions()
            options.memoryLimit = 32 << 20
            let log = LogRecorder()
            let script = Self.script(
                """
                sse.get("/bomb", function()
                  local t = {}
                  for i = 1, math.huge do t[i] = string.rep("x", 100000) .. i end  -- 32 MiB in a few ms
                end)
                """)
            try await withLiveServer(script: script, options: options, logger: log.logger) { live in
                let bystander = EventCollector(live.url("/tick"))
                try await bystander.waitFor { $0.count >= 3 }
                let before = try #require(Int(try await SSEClient.fetch(live.url("/memory")).body))
                let bomb = try await SSEClient.fetch(live.url("/bomb"))
                #expect(bomb.status == 500)
                #expect(log.contains("not enough memory"), "\(log.messages)")
                let after = try #require(Int(try await SSEClient.fetch(live.url("/memory")).body))
                #expect(
                    after < before + 512, "Lua holds \(before) KiB before and \(after) KiB after (the cap is 32 MiB)")
                try await Bystander.expectOnTime(bystander)
            }
        }

        @Test func theSameErrorRepeatedIsLoggedOnceAWhile() async throws {
            let log = LogRecorder()
            let script = Self.script(#"sse.every(0.01, function() error("again") end)"#)
            try await withLiveServer(script: script, logger: log.logger) { live in
                let bystander = EventCollector(live.url("/tick"))
                try await bystander.waitFor { $0.count >= 10 }
                let lines = log.messages.filter { $0.contains("again") }
                #expect(lines.count == 1, "about 50 failures in half a second, one log line: \(lines.count)")
                #expect(lines.first?.contains("stack traceback:") == true)
                try await Bystander.expectOnTime(bystander)
            }
        }

        @Test func osExitIsAnErrorNotAShutdown() async throws {
            let log = LogRecorder()
            let script = Self.script(#"sse.get("/exit", function() os.exit(0) end)"#)
            try await withLiveServer(script: script, logger: log.logger) { live in
                let bystander = EventCollector(live.url("/tick"))
                let exit = try await SSEClient.fetch(live.url("/exit"))
                #expect(exit.status == 500)
                #expect(log.contains("os.exit is disabled in ssescript"))
                try await Bystander.expectOnTime(bystander)
            }
        }

        @Test func aSandboxedScriptCannotReachTheSystem() async throws {
            var options = ScriptOptions()
            options.sandbox = true
            let script = Self.script(
                """
                sse.get("/reach", function()
                  return 200, table.concat({ type(io), type(os.execute), type(require), type(debug), type(dofile), type(load) }, " ")
                end)
                sse.get("/json", function() return 200, { ok = sse.json.decode('{"a":1}').a == 1 } end)
                """)
            try await withLiveServer(script: script, options: options) { live in
                let bystander = EventCollector(live.url("/tick"))
                #expect(try await SSEClient.fetch(live.url("/reach")).body == "nil nil nil nil nil function")
                #expect(try await SSEClient.fetch(live.url("/json")).body == #"{"ok":true}"#)
                try await Bystander.expectOnTime(bystander)
            }
        }

        @Test func requestDataCannotInjectFieldsIntoTheStream() async throws {
            let log = LogRecorder()
            let script = Self.script(
                """
                sse.stream("/echo", function(client) client:send{ data = client.query.name } end)
                sse.stream("/named", function(client) client:send{ event = client.query.name, data = "x" } end)
                """)
            try await withLiveServer(script: script, logger: log.logger) { live in
                let bystander = EventCollector(live.url("/tick"))
                let attack = "x\n\nevent: evil\ndata: pwned\r\nid: 666"
                let encoded = attack.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let events = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/echo?name=\(encoded)"))
                    return try await stream.next(1)
                }
                #expect(events.first?.data == "x\n\nevent: evil\ndata: pwned\nid: 666", "one event: every line is data")
                #expect(events.first?.event == nil && events.first?.id == nil)

                let raw = try RawConnection(port: live.port)
                raw.send("GET /echo?name=\(encoded) HTTP/1.1\r\n\r\n")
                let bytes = raw.read(until: "666")
                #expect(bytes.contains("data: x\ndata:\ndata: event: evil\ndata: data: pwned\ndata: id: 666"))

                let named = try await SSEClient.fetch(live.url("/named?name=a%0Ab"))
                #expect(named.status == 500)
                #expect(log.contains("invalid event: event name must not contain a line feed (LF)"))
                try await Bystander.expectOnTime(bystander)
            }
        }
    }
}
