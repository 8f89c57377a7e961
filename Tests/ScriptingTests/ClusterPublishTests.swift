import Foundation
import Testing

extension Live {
    /// Several instances as one feed through Redis (issue 11): the same events, in the
    /// same order, with the same ids, on every instance; resume on any of them.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    struct ClusterPublishTests {
        static let script = """
            local sse = require "sse"
            sse.stream("/feed", nil, { history = 2000, ids = "auto" })
            sse.post("/publish", function(req)
              local n, err = sse.publish("/feed", { data = req.body })
              if not n then return 503, err end
              return 200, tostring(n)
            end)
            """

        @Test func anEventPublishedThroughOneInstanceReachesClientsOfBothOnceInOrder() async throws {
            try await withCluster(script: Self.script) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                let onA = RecordedStream(servers[0].url("/feed"))
                let onB = RecordedStream(servers[1].url("/feed"))
                try await probe.waitForSubscribers(2, of: "/feed")

                let answer = try await publish("hello", through: servers[0])
                #expect(answer.status == 200)
                for stream in [onA, onB] { try await stream.waitFor { $0.count >= 1 } }

                // 1,000 more, alternately through A and B, each after the last was answered.
                for n in 1...1000 { try await publish("\(n)", through: servers[n % 2]) }
                for stream in [onA, onB] { try await stream.waitFor(seconds: 30) { $0.count >= 1001 } }
                try await Task.sleep(for: .milliseconds(200))  // nothing more comes

                // The order is Redis's: the same on both instances. `sse.publish` returns
                // once the event is on its way to Redis, not once Redis has it, so two
                // publishes through two instances a moment apart may reach it either way
                // round; through one instance they keep their order.
                let expected = ["hello"] + (1...1000).map(String.init)
                #expect(onA.data == onB.data, "the same order on both instances")
                #expect(onA.data.sorted() == expected.sorted(), "every event once")
                for instance in 0...1 {
                    let through = (1...1000).filter { $0 % 2 == instance }.map(String.init)
                    let mine = Set(through)
                    #expect(onA.data.filter { mine.contains($0) } == through, "in order through one instance")
                }
                // The ids are the stream's: the same on both instances, and what Redis keeps.
                let ids = onA.events.compactMap(\.id)
                #expect(ids.count == 1001)
                #expect(onB.events.compactMap(\.id) == ids)
                #expect(try await probe.streamIDs(of: "/feed") == ids)
            }
        }

        @Test func aClientResumesOnTheOtherInstanceWithoutGapOrDuplicate() async throws {
            try await withCluster(script: Self.script) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                let first = RecordedStream(servers[0].url("/feed"))
                try await probe.waitForSubscribers(1, of: "/feed")
                for n in 1...10 { try await publish("\(n)", through: servers[0]) }
                try await first.waitFor { $0.count == 10 }
                first.stop()
                try await probe.waitForSubscribers(0, of: "/feed")
                let lastSeen = try #require(first.events.last?.id)

                // Published while the client is away: B has no subscriber and keeps nothing of its own.
                for n in 11...20 { try await publish("\(n)", through: servers[0]) }
                // A publisher keeps going through A while the client comes back on B.
                let publisher = Task {
                    for n in 21...120 {
                        try await publish("\(n)", through: servers[0])
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                let resumed = RecordedStream(servers[1].url("/feed"), lastEventID: lastSeen)
                try await publisher.value
                try await resumed.waitFor(seconds: 20) { $0.last?.data == "120" }
                #expect(resumed.data == (11...120).map(String.init))
                #expect(!resumed.events.contains { $0.type == "ssescript-gap" })

                // Once more, to B where the topic is now live: the seam with live events.
                let lastOnB = try #require(resumed.events.dropLast(30).last?.id)
                let again = RecordedStream(servers[1].url("/feed"), lastEventID: lastOnB)
                let more = Task { for n in 121...170 { try await publish("\(n)", through: servers[n % 2]) } }
                try await more.value
                try await again.waitFor(seconds: 20) { $0.last?.data == "170" }
                #expect(again.data == (91...170).map(String.init))
            }
        }

        @Test func theCommandLineSaysWhatIsWrongWithItsClusterOptions() throws {
            let script = Repository.path("scripts/clock.lua")
            let scheme = try run(RunningBinary.path, ["serve", script, "--redis", "http://127.0.0.1:6379"])
            #expect(scheme.status != 0)
            #expect(scheme.errors.contains("--redis: "), "\(scheme.errors)")
            #expect(scheme.errors.contains("the scheme must be redis://"), "\(scheme.errors)")
            let port = try run(RunningBinary.path, ["serve", script, "--redis", "redis://127.0.0.1:99999"])
            #expect(port.errors.contains("the port must be a number from 1 to 65535"), "\(port.errors)")
            let node = try run(RunningBinary.path, ["serve", script, "--node", "web-1"])
            #expect(node.status != 0)
            #expect(node.errors.contains("--node names an instance of a cluster; give --redis too."), "\(node.errors)")
        }
    }
}
