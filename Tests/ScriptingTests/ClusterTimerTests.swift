import Foundation
import TestProcesses
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// Timers once per cluster: the instance holding the lease runs them; another takes
    /// over when it dies; a timer can ask for every instance; handlers' timers are theirs.
    @Suite(.serialized, .timeLimit(.minutes(3)))
    struct ClusterTimerTests {
        @Test func aTimerRunsOnceInTheClusterUnlessItAsksForEveryInstance() async throws {
            let script = """
                local sse = require "sse"
                sse.every(0.2, function() sse.redis("INCR", "once") end)
                sse.every(0.2, function() sse.redis("INCR", "each") end, { each_instance = true })
                sse.post("/later", function()
                  -- made by a handler: runs where it was made, lease or not
                  sse.after(0.1, function() sse.redis("SET", "later", "ran") end)
                  return 204
                end)
                """
            try await withCluster(script: script) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                #expect(try await probe.leaseHolder() == "node-1")
                _ = try await probe.send(["SET", "once", "0"])
                _ = try await probe.send(["SET", "each", "0"])
                try await Task.sleep(for: .seconds(3))
                let once = try #require(try await probe.send(["GET", "once"]).integer)
                let each = try #require(try await probe.send(["GET", "each"]).integer)
                #expect((10...16).contains(once), "about 15 ticks of one instance in 3 s, not 30")
                #expect(Double(each) / Double(once) > 1.6, "every instance ticks: \(each) against \(once)")

                let answer = try await SSEClient.fetch(servers[1].url("/later"), method: .POST)
                #expect(answer.status == 204)
                try await waitUntil(seconds: 5) { try await probe.send(["GET", "later"]).string == "ran" }
            }
        }

        @Test func theClockSendsOneMessagePerSixSecondsFromThreeInstancesAndSurvivesItsLeaseHolder() async throws {
            let redis = try RedisServerProcess()
            defer { redis.stop() }
            let probe = try await RedisProbe(redis)
            defer { Task { await probe.close() } }
            var instances: [(name: String, binary: RunningBinary, stream: RecordedStream)] = []
            defer { for instance in instances { instance.binary.stop() } }
            for index in 1...3 {
                let binary = try RunningBinary([
                    "serve", Repository.path("scripts/clock.lua"), "--port", "0", "--no-watch", "--redis", redis.url,
                    "--node", "n\(index)",
                ])
                let url = try #require(binary.firstLine(timeout: 20))
                instances.append(("n\(index)", binary, RecordedStream(url)))
            }
            let holder = try #require(try await probe.leaseHolder())
            #expect(holder == "n1")

            func timeMessages(_ stream: RecordedStream) -> [ContinuousClock.Instant] {
                stream.events.filter { $0.type == "timeMessage" }.map(\.arrival)
            }
            func gaps(_ times: [ContinuousClock.Instant]) -> [Double] {
                zip(times, times.dropFirst()).map { ($1 - $0) / .seconds(1) }
            }
            // Three ticks on every client: one message every 6 s, not three.
            for instance in instances {
                try await instance.stream.waitFor(seconds: 25) { $0.filter { $0.type == "timeMessage" }.count >= 3 }
            }
            for instance in instances {
                let found = gaps(timeMessages(instance.stream))
                #expect(found.allSatisfy { $0 > 5 && $0 < 7 }, "\(instance.name): gaps \(found)")
            }

            // The holder dies without a word; another instance takes the lease and the clock goes on.
            let dead = try #require(instances.firstIndex { $0.name == holder })
            kill(instances[dead].binary.pid, SIGKILL)
            _ = instances[dead].binary.waitForExit()
            let killed = ContinuousClock.now
            let survivors = instances.indices.filter { $0 != dead }.map { instances[$0] }
            let before = survivors.map { timeMessages($0.stream).count }
            for (instance, count) in zip(survivors, before) {
                try await instance.stream.waitFor(seconds: 12) { $0.filter { $0.type == "timeMessage" }.count > count }
                let resumed = timeMessages(instance.stream)[count]
                #expect(
                    resumed - killed < .seconds(10),
                    "\(instance.name): first message \(resumed - killed) after the kill")
            }
            let newHolder = try await probe.leaseHolder()
            #expect(newHolder != nil && newHolder != holder)
            // And once per 6 s again, from one instance.
            for (instance, count) in zip(survivors, before) {
                try await instance.stream.waitFor(seconds: 10) {
                    $0.filter { $0.type == "timeMessage" }.count > count + 1
                }
                let found = gaps(Array(timeMessages(instance.stream)[count...]))
                #expect(found.allSatisfy { $0 > 5 && $0 < 7 }, "\(instance.name): gaps after the takeover \(found)")
            }
        }
    }
}

extension RunningBinary {
    /// SIGTERM, and SIGKILL if it has not exited within 5 s.
    func stop() {
        signal(SIGTERM)
        for _ in 0..<500 {
            if kill(pid, 0) != 0 { return }  // gone (Foundation reaps it)
            usleep(10_000)
        }
        signal(SIGKILL)
    }
}
