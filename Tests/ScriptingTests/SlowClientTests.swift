import Foundation
import Testing

extension Live {
    /// A client that stops reading while the script publishes 10 MB/s, against the
    /// built binary: memory is read from the server's own process.
    @Suite(.timeLimit(.minutes(1))) struct SlowClientTests {
        /// 300 events of 100 KB, one every 10 ms, once `POST /start` is called.
        static let script = """
            sse.stream("/feed", nil, { history = 0 })
            sse.get("/count", function() return tostring(sse.clients("/feed")) end)
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

        /// The stated bound: the server's peak RSS grows by less than 16 MiB while
        /// 30 MB go out and one client takes none of it. Measured: 1.3 MiB, with or
        /// without a CPU hog; with no limit on the stalled client's buffer
        /// (`--client-buffer` of 1 GiB), 35 MiB.
        static let memoryBound = 16 << 10  // KiB

        @Test func aClientThatStopsReadingIsDisconnectedAndOthersGetEverything() async throws {
            let server = try RunningBinary([
                "serve", try TemporaryScript.write(Self.script), "--port", "0", "--client-buffer", "\(256 << 10)",
            ])
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30))
            let base = String(url.dropLast("/feed".count))
            let port = try #require(URLComponents(string: base)?.port)
            let stalled = try RawConnection(port: port, receiveBuffer: 4096)
            stalled.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
            let reader = Task { try await EventLines.read(port: port, path: "/feed", count: 300) }
            try await waitUntil { try await SSEClient.fetch(base + "/count").body == "2" }
            let before = server.residentKilobytes
            #expect(try await SSEClient.fetch(base + "/start", method: .POST).status == 204)
            let events = try await reader.value
            let growth = server.peakResidentKilobytes - before
            #expect(events.map(\.id) == Array(1...300), "the reading client got every event, in order")
            #expect(events.allSatisfy { $0.dataLength == "data: \($0.id) ".utf8.count + 100_000 }, "whole events")
            #expect(growth < Self.memoryBound, "peak RSS grew by \(growth >> 10) MiB")
            #expect(stalled.isClosedByPeer(within: 5), "the stalled client was closed")
        }
    }
}
