import Foundation
import TestProcesses
import Testing

extension Live {
    /// Two instances × 5,000 clients through Redis, one publish every 100 ms for 20 s:
    /// every client gets every event. The servers are release builds in processes of
    /// their own (`make test` builds one first), the clients `ssescript bench` of the same build.
    @Suite(.serialized, .timeLimit(.minutes(3)))
    struct ClusterLoadTests {
        static let script = """
            local sse = require "sse"
            sse.stream("/feed")                       -- history 100: each publish is XADD + PUBLISH
            local published = 0
            sse.post("/start", function(req)
              local count = tonumber(req.body)
              -- made by a handler, so it runs here (lease or not): one publish per 100 ms
              sse.every(0.1, function(t)
                published = published + 1
                local ok, err = sse.publish("/feed", { id = published, data = math.floor(sse.now() * 1e6) .. " " .. published })
                if not ok then sse.log("publish failed: " .. err) end
                if published == count then t:cancel() end
              end)
              return 204
            end)
            sse.get("/published", function() return 200, tostring(published) end)
            sse.get("/clients", function() return 200, tostring(sse.clients("/feed")) end)
            """

        /// `.build/release/ssescript`, if it is newer than every source file.
        static func releaseBinary() throws -> String {
            let binary = Repository.path(".build/release/ssescript")
            let manager = FileManager.default
            func modified(_ path: String) -> Date {
                (try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            }
            let built = modified(binary)
            let sources = manager.enumerator(atPath: Repository.path("Sources"))?.compactMap { $0 as? String } ?? []
            let stale = sources.filter { $0.hasSuffix(".swift") && modified(Repository.path("Sources/" + $0)) > built }
            guard manager.isExecutableFile(atPath: binary), stale.isEmpty else {
                throw LoadClient.Failed(
                    description:
                        "the load test runs a release build: `make release` (make test does it first); stale: \(stale.prefix(3))"
                )
            }
            return binary
        }

        @Test func twoInstancesOfFiveThousandClientsGetEveryEvent() async throws {
            let binary = try Self.releaseBinary()
            let redis = try RedisServerProcess()
            defer { redis.stop() }
            let script = try TemporaryScript.write(Self.script)
            var servers: [RunningBinary] = []
            defer { for server in servers { server.stop() } }
            var bases: [String] = []
            for node in ["a", "b"] {
                let server = try RunningBinary(
                    ["serve", script, "--port", "0", "--no-watch", "--redis", redis.url, "--node", node],
                    executable: binary
                )
                servers.append(server)
                let url = try #require(server.firstLine(timeout: 20))
                bases.append(String(url.dropLast("/feed".count)))
            }
            // 5,000 clients on each for 40 s: connecting, 20 s of publishing, and room to spare.
            let (a, b) = (bases[0], bases[1])
            async let onA = LoadClient.run(binary: binary, url: a + "/feed", connections: 5000, seconds: 40)
            async let onB = LoadClient.run(binary: binary, url: b + "/feed", connections: 5000, seconds: 40)
            for base in bases {
                try await waitUntil(seconds: 20) { try await SSEClient.fetch(base + "/clients").body == "5000" }
            }
            let count = 200
            #expect(try await SSEClient.fetch(bases[0] + "/start", method: .POST, body: "\(count)").status == 204)
            try await waitUntil(seconds: 35) { try await SSEClient.fetch(bases[0] + "/published").body == "\(count)" }
            let reports = try await [onA, onB]
            for (name, report) in zip(["a", "b"], reports) {
                #expect(report.established == 5000, "instance \(name)")
                #expect(report.failed == 0 && report.closedEarly == 0, "instance \(name)")
                #expect(
                    report.events == 5000 * count, "instance \(name): \(report.events) of \(5000 * count) delivered")
                print("instance \(name): median latency \(report.medianLatencyMicroseconds) µs")
            }
        }
    }
}
