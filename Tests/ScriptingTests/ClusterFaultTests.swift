import Foundation
import Synchronization
import Testing

extension Live {
    /// Redis going away, coming back empty, or dropping only the pub/sub links: streams
    /// stay open, publishes fail loudly and are counted, and after it is back every event
    /// Redis kept reaches every client, once, in order.
    @Suite(.serialized, .timeLimit(.minutes(3)))
    struct ClusterFaultTests {
        static let script = """
            local sse = require "sse"
            sse.stream("/feed", nil, { history = 5000, ids = "auto", heartbeat = 0.5 })
            sse.post("/publish", function(req)
              local n, err = sse.publish("/feed", { data = req.body })
              if not n then return 503, err end
              return 200, tostring(n)
            end)
            function on_stop() sse.publish("/feed", { data = "bye" }) end
            """

        /// What a publisher running through both instances was told, and when.
        final class Publisher: Sendable {
            struct Outcome: Sendable {
                let n: Int
                let server: Int
                let status: UInt
                let body: String
                let answered: ContinuousClock.Instant
            }

            private let outcomes = Mutex<[Outcome]>([])
            private let stopping = Atomic(false)
            private let task = Mutex<Task<Void, any Error>?>(nil)

            /// Publishes 1, 2, 3, ... alternately through the servers, one after the other.
            init(_ servers: [LiveServer], every pause: Duration) {
                task.withLock { [self] in
                    $0 = Task {
                        var n = 0
                        while !self.stopping.load(ordering: .relaxed) && n < 2000 {
                            n += 1
                            let server = n % servers.count
                            let answer = try await publish("\(n)", through: servers[server])
                            let outcome = Outcome(
                                n: n, server: server, status: answer.status, body: answer.body, answered: .now)
                            self.outcomes.withLock { $0.append(outcome) }
                            try await Task.sleep(for: pause)
                        }
                    }
                }
            }

            func stop() async throws {
                stopping.store(true, ordering: .relaxed)
                try await task.withLock { $0 }?.value
            }

            var all: [Outcome] { outcomes.withLock { $0 } }
        }

        static func numbers(_ stream: RecordedStream) -> [Int] { stream.data.compactMap { Int($0) } }

        struct Failures: Sendable {
            let refused: Int
            let unconfirmed: Int
        }

        /// Failures each server's broker counted.
        static func failures(_ servers: [LiveServer]) async throws -> [Failures] {
            var counts: [Failures] = []
            for server in servers {
                let cluster = server.scriptServer.cluster!
                counts.append(
                    try await server.onScriptLoop {
                        Failures(
                            refused: cluster.broker.refusedPublishes, unconfirmed: cluster.broker.unconfirmedPublishes)
                    })
            }
            return counts
        }

        @Test func afterARedisRestartEveryEventItKeptReachesEveryClientAndNothingWedges() async throws {
            try await withCluster(script: Self.script) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                let streams = servers.map { RecordedStream($0.url("/feed")) }
                try await probe.waitForSubscribers(2, of: "/feed")
                let publisher = Publisher(servers, every: .milliseconds(10))
                try await Task.sleep(for: .seconds(1))
                try redis.restart()
                let back = ContinuousClock.now
                try await Task.sleep(for: .seconds(3))
                try await publisher.stop()
                let outcomes = publisher.all
                let accepted = outcomes.filter { $0.status == 200 }
                let answersAreKnown = outcomes.allSatisfy {
                    $0.status == 200 || ($0.status == 503 && $0.body == "redis unavailable")
                }
                let worksAgain = accepted.contains { $0.answered > back }
                #expect(accepted.count > 50)
                #expect(answersAreKnown)
                #expect(worksAgain, "publishing works again after the restart")
                let last = "\(accepted.last?.n ?? 0)"
                for stream in streams { try await stream.waitFor(seconds: 5) { $0.contains { $0.data == last } } }

                let stored = try await probe.streamIDs(of: "/feed")
                let failures = try await Self.failures(servers)
                let unconfirmed = failures.map(\.unconfirmed).reduce(0, +)
                for (index, stream) in streams.enumerated() {
                    Self.check(
                        stream, instance: index + 1, stored: stored, accepted: accepted, unconfirmed: unconfirmed,
                        back: back)
                }
                for (index, counts) in failures.enumerated() {
                    let refused = outcomes.filter { $0.server == index && $0.status == 503 }.count
                    #expect(counts.refused == refused, "instance \(index + 1) counted its refusals")
                }
            }
        }

        /// What one client of the restart test must have seen.
        static func check(
            _ stream: RecordedStream, instance: Int, stored: [String], accepted: [Publisher.Outcome], unconfirmed: Int,
            back: ContinuousClock.Instant
        ) {
            #expect(!stream.hasEnded, "the stream on instance \(instance) stayed open")
            let events = stream.events
            let ids = events.compactMap(\.id)
            #expect(Set(ids).count == ids.count, "no event twice on instance \(instance)")
            #expect(Set(stored).isSubset(of: Set(ids)), "every event Redis kept reached instance \(instance)")
            let numbers = events.compactMap { Int($0.data) }
            #expect(numbers == numbers.sorted(), "in order on instance \(instance)")
            let missing = Set(accepted.map(\.n)).subtracting(numbers)
            #expect(missing.count <= unconfirmed, "only publishes logged as unconfirmed may be missing: \(missing)")
            // Each publish answered after the restart arrived within 2 s of its answer.
            var arrivals: [String: ContinuousClock.Instant] = [:]
            for event in events where arrivals[event.data] == nil { arrivals[event.data] = event.arrival }
            for outcome in accepted where outcome.answered > back {
                guard let arrival = arrivals["\(outcome.n)"] else { continue }
                #expect(arrival - outcome.answered < .seconds(2), "\(outcome.n) on instance \(instance)")
            }
        }

        @Test func eventsPublishedWhileThePubSubLinksWereDownStillReachEveryClient() async throws {
            try await withCluster(script: Self.script) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                let streams = servers.map { RecordedStream($0.url("/feed")) }
                try await probe.waitForSubscribers(2, of: "/feed")
                let publisher = Publisher(servers, every: .milliseconds(2))
                for _ in 0..<3 {
                    try await Task.sleep(for: .milliseconds(400))
                    let killed = try await probe.send(["CLIENT", "KILL", "TYPE", "pubsub"])
                    #expect(killed.integer == 2)
                }
                try await Task.sleep(for: .milliseconds(400))
                try await publisher.stop()
                let outcomes = publisher.all
                #expect(outcomes.allSatisfy { $0.status == 200 })
                let expected = outcomes.map(\.n)
                for stream in streams {
                    try await stream.waitFor(seconds: 5) { $0.count >= expected.count }
                    try await Task.sleep(for: .milliseconds(100))
                    #expect(Self.numbers(stream) == expected)
                }
            }
        }

        @Test func aClientResumingFromBeforeRedisLostItsDataGetsAGapOnEitherInstance() async throws {
            try await withCluster(script: Self.script) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                let streams = servers.map { RecordedStream($0.url("/feed")) }
                try await probe.waitForSubscribers(2, of: "/feed")
                for n in 1...5 { try await publish("\(n)", through: servers[0]) }
                for stream in streams { try await stream.waitFor { $0.count == 5 } }
                let old = try #require(streams[0].events.last?.id)

                try redis.restart()  // without persistence: the stream is gone
                try await waitUntil(seconds: 10) { try await publish("6", through: servers[1]).status == 200 }
                for stream in streams { try await stream.waitFor { $0.last?.data == "6" } }
                for server in servers {
                    let resumed = RecordedStream(server.url("/feed"), lastEventID: old)
                    try await resumed.waitFor { $0.count >= 2 }
                    #expect(resumed.events.first?.type == "ssescript-gap")
                    #expect(resumed.events.first?.data == old)
                    #expect(resumed.data.dropFirst() == ["6"])
                    resumed.stop()
                }
            }
        }

        @Test func publishesWhileRedisIsDownAreRefusedLoggedAndCountedAndStreamsStayOpen() async throws {
            let log = LogRecorder()
            try await withCluster(script: Self.script, logger: log.logger) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                let streams = servers.map { RecordedStream($0.url("/feed")) }
                try await probe.waitForSubscribers(2, of: "/feed")
                redis.stop()
                try await Task.sleep(for: .milliseconds(300))
                for server in servers {
                    let answer = try await publish("lost?", through: server)
                    #expect(answer.status == 503)
                    #expect(answer.body == "redis unavailable")
                }
                #expect(log.contains("publishes failed: 1 refused (the script got nil, \"redis unavailable\")"))
                #expect(try await Self.failures(servers).map(\.refused) == [1, 1])
                try await Task.sleep(for: .seconds(1.5))  // heartbeats, no events
                #expect(streams.allSatisfy { !$0.hasEnded && $0.events.isEmpty })

                try redis.start()
                try await waitUntil(seconds: 10) { try await publish("back", through: servers[0]).status == 200 }
                for stream in streams {
                    try await stream.waitFor { $0.contains { $0.data == "back" } }
                    #expect(!stream.hasEnded)
                }
            }
        }

        @Test func onStopPublishesReachTheStoppingInstancesClientsAndTheOthers() async throws {
            try await withCluster(script: Self.script) { redis, servers in
                let probe = try await RedisProbe(redis)
                defer { Task { await probe.close() } }
                let streams = servers.map { RecordedStream($0.url("/feed")) }
                try await probe.waitForSubscribers(2, of: "/feed")
                try await servers[0].stop()
                try await streams[0].waitFor { _ in streams[0].hasEnded }
                #expect(streams[0].data == ["bye"])
                try await streams[1].waitFor { $0.map(\.data) == ["bye"] }
            }
        }
    }
}
