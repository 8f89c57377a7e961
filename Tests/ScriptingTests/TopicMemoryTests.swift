import Foundation
import Testing

extension Live {
    /// A topic per user (or per document) costs memory only while it is used: once
    /// nobody subscribes and nothing is published to it for its history's time to
    /// live, its history goes and the process gives the memory back.
    @Suite struct TopicMemoryTests {
        static let script = """
            sse.stream("/sse")
            -- one event with an id to each of the topics user:from ... user:from+count-1
            sse.post("/publish", function(req)
              local from, count = tonumber(req.query.from), tonumber(req.query.count)
              for n = from, from + count - 1 do
                sse.publish("user:" .. n, { id = tostring(n), data = "hello user " .. n })
              end
              collectgarbage()
              return 204
            end)
            """

        /// Regression: publishing with ids to 200,000 per-user topics took the process
        /// from 18 to 181 MiB, and it stayed there.
        @Test(.timeLimit(.minutes(2)))
        func twoHundredThousandIdleTopicsGiveTheirMemoryBack() async throws {
            let path = try TemporaryScript.write(Self.script)
            let server = try RunningBinary([
                "serve", path, "--port", "0", "--no-watch", "--history-ttl", "2", "--script-timeout", "10",
            ])
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30))
            let port = try #require(URLComponents(string: url)?.port)
            func publish(from: Int, count: Int) async throws {
                let base = "http://127.0.0.1:\(port)/publish?from=\(from)&count=\(count)"
                #expect(try await SSEClient.fetch(base, method: .POST).status == 204)
            }
            // A first round, so that what the server allocates once is in the baseline.
            try await publish(from: 1, count: 20_000)
            try await Task.sleep(for: .seconds(3))
            let baseline = server.residentKilobytes
            // All in one handler run, so that none expires before the last is published.
            try await publish(from: 1, count: 200_000)
            let full = server.residentKilobytes
            try await Task.sleep(for: .seconds(4))  // the time to live, two sweeps, the memory handed back
            let idle = server.residentKilobytes
            let growth = full - baseline
            #expect(growth > 20_000, "200,000 histories took \(growth) KiB")
            #expect(
                idle - baseline < growth / 5,
                "RSS \(baseline) KiB, \(full) KiB with 200,000 histories, \(idle) KiB once they expired")
        }

        @Test func historyTTLIsAStreamOption() async throws {
            let source = """
                sse.stream("/short", nil, { history_ttl = 1.5 })
                sse.stream("/default")
                """
            try await withLiveServer(script: source) { live in
                #expect(live.server.routes.streams["/short"]?.historyTTL == .milliseconds(1500))
                #expect(live.server.routes.streams["/default"]?.historyTTL == nil)
            }
            let script = try EmbeddedScript("")
            let error = try script.error(#"sse.stream("/x", nil, { history_ttl = 0 })"#)
            #expect(error?.contains("history_ttl must be a number of seconds greater than 0") == true, "\(error ?? "")")
        }
    }
}
