import Foundation
import Testing

extension Live {
    /// The write budget holds at the point of `client:send`, whatever the script does:
    /// a handler that sends in a loop without yielding, to a client that reads
    /// nothing, costs at most its budget, and a bystander keeps its events on time.
    @Suite struct SendBudgetTests {
        static let script = """
            -- sends 60,000 bytes after 60,000, never yielding, until send says no
            sse.stream("/flood", function(client)
              local blob = string.rep("x", 60000)
              local sent = 0
              while client:send(blob) do sent = sent + 1 end
              sse.log("flood ended after " .. sent .. " sends")
            end)
            local n = 0
            sse.stream("/tick")
            sse.every(0.05, function() n = n + 1; sse.publish("/tick", tostring(n)) end)
            """

        /// The budget counts the bytes queued. Each frame's storage is a power of two
        /// (SwiftNIO's `ByteBuffer`), so events of 60,000 bytes take 64 KiB each, where
        /// events just over 64 KiB would take 128 KiB and put the peak at the very edge
        /// of twice the budget (the README gives both measurements).
        static let budget = 4 << 20

        /// Regression: the sends piled up in the hub's outbox before any budget was
        /// looked at (326 MiB with a 1 MiB budget), for as long as the script timeout let
        /// the loop run, and every other client waited for it.
        @Test(.timeLimit(.minutes(1)))
        func anUnyieldedSendLoopStaysWithinTheBudget() async throws {
            let path = try TemporaryScript.write(Self.script)
            let server = try RunningBinary([
                "serve", path, "--port", "0", "--no-watch", "--client-buffer", "\(Self.budget)", "--script-timeout",
                "3",
            ])
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30))
            let port = try #require(URLComponents(string: url)?.port)
            let bystander = EventCollector("http://127.0.0.1:\(port)/tick")
            try await bystander.waitFor { $0.count >= 5 }
            let peakBefore = server.peakResidentKilobytes
            let (bytes, reset) = try await onOwnThread {
                let flooded = try RawConnection(port: port, receiveBuffer: 4096)
                flooded.send("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")
                Thread.sleep(forTimeInterval: 0.5)  // reads nothing meanwhile
                return flooded.drain(seconds: 10)
            }
            // Regression: a dropped client was closed behind the megabytes the kernel
            // still held for it; it read them all before it saw the end.
            #expect(reset, "the flooded client is dropped as a slow client, with a reset")
            #expect(bytes < Self.budget, "what it had not read is lost: it read \(bytes) bytes")
            try await Bystander.expectOnTime(bystander, within: .seconds(2))  // without the budget at send: over 3 s
            let growth = (server.peakResidentKilobytes - peakBefore) << 10
            #expect(growth < 2 * Self.budget, "the server's peak memory grew by \(growth >> 10) KiB")
        }
    }
}
