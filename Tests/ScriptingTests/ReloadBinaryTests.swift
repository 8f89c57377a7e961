import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// Reloads of the real binary: SIGHUP, `--no-watch`, and many reloads under load.
    @Suite(.timeLimit(.minutes(2))) struct ReloadBinaryTests {
        /// Two servers on one file, one with `--no-watch`: once the watching one has
        /// picked up a save (and gone on a while), the other still serves the old
        /// version, until `SIGHUP`.
        @Test func sighupReloadsAndNoWatchDoesNot() async throws {
            let path = try TemporaryScript.write(VersionedScript.source("v1"))
            let unwatched = try RunningBinary(["serve", path, "--port", "0", "--no-watch"])
            defer { unwatched.terminate() }
            let watched = try RunningBinary(["serve", path, "--port", "0"])
            defer { watched.terminate() }
            let stream = EventCollector(try #require(unwatched.firstLine(timeout: 30)))
            let watching = EventCollector(try #require(watched.firstLine(timeout: 30)))
            try await stream.waitFor { $0.contains("v1") }
            try await watching.waitFor { $0.contains("v1") }
            try VersionedScript.source("v2").write(toFile: path, atomically: true, encoding: .utf8)
            try await watching.waitFor { $0.last == "v2" }
            let count = watching.data.count
            try await watching.waitFor { $0.count >= count + 10 }  // five more watch ticks
            #expect(stream.data.last == "v1", "--no-watch: saving does not reload")
            unwatched.signal(SIGHUP)
            try await stream.waitFor { $0.last == "v2" }
            #expect(!stream.hasEnded && !watching.hasEnded)
        }

        @Test func twoHundredReloadsWithFiftyClientsDropNoneAndGiveMemoryBack() async throws {
            let path = try TemporaryScript.write(
                """
                sse.state.reloads = (sse.state.reloads or 0) + 1
                sse.stream("/s", function(client) if not client.reloaded then client:send("hello") end end)
                sse.get("/status", function()
                  collectgarbage()
                  return 200, sse.state.reloads .. " " .. sse.clients("/s") .. " " .. math.floor(collectgarbage("count"))
                end)
                sse.post("/publish", function(req) sse.publish("/s", req.body); return 204 end)
                """)
            let server = try RunningBinary(["serve", path, "--port", "0", "--no-watch"])
            defer { server.terminate() }
            let base = try #require(server.firstLine(timeout: 30)?.replacing("/s", with: ""))
            let clients = (0..<50).map { _ in EventCollector(base + "/s") }
            for client in clients { try await client.waitFor { $0 == ["hello"] } }

            func status() async throws -> [Int] {
                try await SSEClient.fetch(base + "/status").body.split(separator: " ").compactMap { Int($0) }
            }
            func reload(times: Int) async throws {
                for _ in 0..<times {
                    let before = try await status()[0]
                    server.signal(SIGHUP)
                    try await waitUntil { try await status()[0] == before + 1 }
                }
            }
            try await reload(times: 10)  // warm up: allocator arenas, caches
            let rssBefore = server.residentKilobytes
            let luaBefore = try await status()[2]
            try await reload(times: 200)
            let after = try await status()
            // Freed memory goes back to the system a little after the last reload.
            try? await waitUntil(seconds: 5) { Double(server.residentKilobytes) <= Double(rssBefore) * 1.10 }
            let rssAfter = server.residentKilobytes
            #expect(after[0] == 211 && after[1] == 50, "every reload happened and all 50 streams are still subscribed")
            #expect(Double(rssAfter) <= Double(rssBefore) * 1.10, "RSS \(rssBefore) KiB before, \(rssAfter) KiB after")
            #expect(
                abs(after[2] - luaBefore) <= luaBefore / 10, "Lua holds \(luaBefore) KiB before, \(after[2]) KiB after")

            #expect(try await SSEClient.fetch(base + "/publish", method: .POST, body: "after").status == 204)
            for client in clients { try await client.waitFor { $0.last == "after" } }
            #expect(
                clients.allSatisfy { !$0.hasEnded && $0.data == ["hello", "after"] },
                "no client was dropped or greeted twice")
        }
    }
}
