import Foundation
import Scripting
import Testing

extension Live {
    /// Scripts that try to get around the run budget or the C stack: each request
    /// fails alone (`500`, the error logged) while a bystander keeps its events on time.
    @Suite struct HostileScriptTests {
        static let handlers = [
            "/unhook": "debug.sethook(); while true do end",
            "/unhook-quietly": "pcall(debug.sethook); while true do end",
            "/finalizer": "setmetatable({}, { __gc = function() while true do end end }); collectgarbage()",
            "/recursion": "local function f(n) return 1 + f(n + 1) end; return f(1)",
            "/format": "return string.format('%99999999d', 1)",
            "/chain":
                "local a, b = {}, {}; setmetatable(a, { __index = b }); setmetatable(b, { __index = a }); return a.x",
            "/compare":
                "local mt = {}; mt.__lt = function(a, b) return a < b end; return setmetatable({}, mt) < setmetatable({}, mt)",
        ]

        static var script: String {
            SafetyTests.script(
                handlers.sorted { $0.key < $1.key }.map { "sse.get(\"\($0.key)\", function() \($0.value) end)" }.joined(
                    separator: "\n"))
        }

        @Test(.timeLimit(.minutes(1)))
        func eachEndsAsAnErrorAndTheBystanderIsOnTime() async throws {
            var options = ScriptOptions()
            options.timeout = .milliseconds(200)
            let log = LogRecorder()
            try await withLiveServer(script: Self.script, options: options, logger: log.logger) { live in
                let bystander = EventCollector(live.url("/tick"))
                try await bystander.waitFor { $0.count >= 3 }
                for path in Self.handlers.keys.sorted() {
                    let response = try await SSEClient.fetch(live.url(path))
                    #expect(response.status == 500, "\(path)")
                    try await Bystander.expectOnTime(bystander, within: .seconds(2))
                }
                let errors = log.messages.filter { $0.contains("script error in handler") }
                #expect(errors.count == Self.handlers.count, "\(errors)")
                #expect(log.contains("debug.sethook is not available"))
                #expect(log.contains("ran too long without yielding"))
                #expect(log.contains("__gc is not available"))
                #expect(log.contains("stack overflow"))
                #expect(log.contains("invalid conversion"))
                #expect(log.contains("'__index' chain too long"))
            }
        }
    }
}
