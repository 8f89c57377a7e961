import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// A client that stops reading while the script publishes 10 MB/s.
    @Suite(.timeLimit(.minutes(1))) struct SlowClientTests {
        /// 300 events of 100 KB, one every 10 ms, once `POST /start` is called.
        static let script = """
            sse.stream("/feed", nil, { history = 0 })
            local blob = string.rep("x", 100000)
            local n = 0
            sse.post("/start", function()
              sse.every(0.01, function(t)
                n = n + 1
                sse.publish("/feed", { id = n, data = n .. " " .. blob })
                if n == 300 then t:cancel() end
              end)
              return 204
            end)
            """

        /// The stated bound: the process (the server runs in it) grows by less than
        /// 24 MiB while 30 MB go out and one client takes none of it. Measured: 3 to
        /// 5 MiB alone, 9 MiB with the whole suite running beside it; with no limit
        /// on the stalled client's buffer, 38 MiB after 3 s, and growing.
        static let memoryBound = 24 << 20

        @Test func aClientThatStopsReadingIsDisconnectedAndOthersGetEverything() async throws {
            try await withLiveServer(script: Self.script, configure: { $0.clientBuffer = 256 << 10 }) { live in
                let stalled = try RawConnection(port: live.port, receiveBuffer: 4096)
                stalled.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
                let port = live.port
                let reader = Task { try await EventLines.read(port: port, path: "/feed", count: 300) }
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/feed") } == 2 }
                let before = try residentBytes()
                #expect(try await SSEClient.fetch(live.url("/start"), method: .POST).status == 204)
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/feed") } == 1 }
                #expect(live.server.slowClientsDisconnected == 1, "the stalled client went, the reading one stays")
                let events = try await reader.value
                let numbers = events.map(\.id)
                #expect(events.allSatisfy { $0.dataLength == "data: \($0.id) ".utf8.count + 100_000 }, "whole events")
                let growth = try residentBytes() - before
                #expect(numbers == Array(1...300), "the reading client got every event, in order")
                #expect(live.server.slowClientsDisconnected == 1)
                #expect(growth < Self.memoryBound, "grew by \(growth >> 20) MiB")
                #expect(stalled.isClosedByPeer(within: 5), "the stalled client was closed")
            }
        }
    }
}

/// This process's resident memory (`VmRSS` in /proc/self/status), in bytes.
func residentBytes() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
    let kilobytes = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    return kilobytes << 10
}
