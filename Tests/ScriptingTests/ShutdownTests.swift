import Foundation
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// `SIGTERM` and `SIGINT` on the built binary: `on_stop`'s last event reaches every
    /// client whole, every stream ends cleanly, the process exits 0 in time.
    @Suite(.timeLimit(.minutes(1))) struct ShutdownTests {
        @Test func sigtermWithAHundredClientsDeliversTheFinalEventAndExitsZero() async throws {
            let script = try TemporaryScript.write(
                """
                sse.stream("/feed", function(client) client:send("hello") end)
                sse.get("/count", function() return tostring(sse.clients("/feed")) end)
                function on_stop()
                  sse.publish("/feed", { event = "final", id = "last", data = string.rep("z", 50000) })
                end
                """)
            let server = try RunningBinary(["serve", script, "--port", "0"])
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30))
            let base = String(url.dropLast("/feed".count))
            try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await withTimeout(20) {
                            var stream = try await SSEClient.open(url)
                            // Ends without an error only if the chunked body ended cleanly.
                            return try await stream.rest().map { "\($0.event ?? "message"):\($0.data?.count ?? -1)" }
                        }
                    }
                }
                try await waitUntil(seconds: 20) { try await SSEClient.fetch(base + "/count").body == "100" }
                let started = Date()
                let status = server.terminate()
                let elapsed = Date().timeIntervalSince(started)
                #expect(status == 0)
                #expect(elapsed < 5)
                var clients = 0
                for try await events in group {
                    #expect(events == ["message:5", "final:50000"])
                    clients += 1
                }
                #expect(clients == 100)
            }
        }

        @Test func aSecondSignalExitsAtOnce() async throws {
            let script = try TemporaryScript.write(
                """
                sse.stream("/feed")
                function on_stop() local t = os.clock(); while os.clock() - t < 4 do end end
                """)
            let server = try RunningBinary(["serve", script, "--port", "0", "--script-timeout", "10"])
            defer { server.terminate() }
            _ = try #require(server.firstLine(timeout: 30))
            server.signal(SIGTERM)
            try await Task.sleep(for: .milliseconds(300))  // on_stop is running: 4 s of work
            let second = Date()
            server.signal(SIGINT)
            let status = server.waitForExit()
            #expect(status == 130, "128 + SIGINT")
            #expect(Date().timeIntervalSince(second) < 1.5, "without waiting for on_stop")
        }
    }
}
