import Foundation
import NIOHTTP1
import Testing

extension Live {
    /// `Last-Event-ID` served live and read by AsyncHTTPClient with
    /// swift-openapi-runtime's decoder: replay, then live events, no gap, no duplicate.
    @Suite(.timeLimit(.minutes(1))) struct ResumeTests {
        /// A stream `/feed` whose topic got events 1...`published` (ids and data the
        /// same number), and `POST /publish?n=N` for live ones.
        private func script(published: Int, options: String = "nil") -> String {
            """
            sse.stream("/feed", nil, \(options))
            for n = 1, \(published) do sse.publish("/feed", { id = n, data = n }) end
            sse.post("/publish", function(req)
              sse.publish("/feed", { id = req.query.n, data = req.query.n })
              return 204
            end)
            """
        }

        private func publish(_ live: LiveServer, _ n: Int) async throws {
            #expect(try await SSEClient.fetch(live.url("/publish?n=\(n)"), method: .POST).status == 204)
        }

        @Test func lastEventIDHeaderReplaysWhatFollowsThenLiveEvents() async throws {
            try await withLiveServer(script: script(published: 50)) { live in
                try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "20")])
                    let replayed = try await stream.next(30)
                    #expect(replayed.map(\.id) == (21...50).map { "\($0)" })
                    #expect(replayed.map(\.data) == (21...50).map { "\($0)" })
                    try await publish(live, 51)
                    #expect(try await stream.next(1).map(\.id) == ["51"], "then the live event, once")
                }
            }
        }

        @Test func lastEventIdQueryParameterDoesTheSame() async throws {
            try await withLiveServer(script: script(published: 50)) { live in
                try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/feed?lastEventId=20"))
                    #expect(try await stream.next(30).map(\.id) == (21...50).map { "\($0)" })
                    try await publish(live, 51)
                    #expect(try await stream.next(1).map(\.id) == ["51"])
                }
            }
        }

        @Test func anUnknownIdGetsTheGapEventThenTheRetainedHistory() async throws {
            try await withLiveServer(script: script(published: 50)) { live in
                try await withTimeout(10) {
                    var stream = try await SSEClient.open(
                        live.url("/feed"), headers: [("Last-Event-ID", "from-yesterday")])
                    let gap = try #require(try await stream.next())
                    #expect(gap.event == "ssescript-gap" && gap.data == "from-yesterday" && gap.id == nil)
                    #expect(try await stream.next(50).map(\.id) == (1...50).map { "\($0)" })
                    try await publish(live, 51)
                    #expect(try await stream.next(1).map(\.id) == ["51"])
                }
            }
        }

        @Test func historyKeepsOnlyTheLastN() async throws {
            try await withLiveServer(script: script(published: 20, options: "{ history = 10 }")) { live in
                try await withTimeout(10) {
                    var evicted = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "5")])
                    let events = try await evicted.next(11)
                    #expect(events.first?.event == "ssescript-gap" && events.first?.data == "5")
                    #expect(events.dropFirst().map(\.id) == (11...20).map { "\($0)" }, "the 10 newest of 20")
                    var held = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "15")])
                    #expect(try await held.next(5).map(\.id) == (16...20).map { "\($0)" })
                }
            }
        }

        @Test func autoIDsAreMonotonicAndResumeWorksWithThem() async throws {
            let script = """
                sse.stream("/feed", nil, { ids = "auto" })
                for n = 1, 30 do sse.publish("/feed", { data = n }) end
                """
            try await withLiveServer(script: script) { live in
                try await withTimeout(10) {
                    var all = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "0-0")])
                    let events = try await all.next(31)
                    #expect(events.first?.event == "ssescript-gap")
                    let ids = events.dropFirst().compactMap(\.id)
                    #expect(ids.count == 30 && events.dropFirst().map(\.data) == (1...30).map { "\($0)" })
                    let keys = ids.map { id in id.split(separator: "-").map { Int($0)! } }
                    #expect(keys.allSatisfy { $0.count == 2 && $0[0] > 1_700_000_000_000 })
                    #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }, "\(ids)")
                    var resumed = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", ids[9])])
                    let rest = try await resumed.next(20)
                    #expect(rest.map(\.id) == Array(ids[10...]) && rest.map(\.data) == (11...30).map { "\($0)" })
                }
            }
        }

        /// Clients resume while a timer publishes every few milliseconds: each gets
        /// consecutive ids across the seam between replay and live events.
        @Test func noGapNoDuplicateAtTheSeam() async throws {
            let script = """
                sse.stream("/feed", nil, { history = 100000 })  -- never full here, however slow the test runs
                local n = 0
                sse.every(0.002, function() n = n + 1; sse.publish("/feed", { id = n, data = n }) end)
                sse.get("/last", function() return tostring(n) end)
                """
            try await withLiveServer(script: script) { live in
                // Resume only from ids already published: a busy machine may start the
                // timer late, and an id from the future rightly gets `ssescript-gap`.
                while Int(try await SSEClient.fetch(live.url("/last")).body)! < 31 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                try await withThrowingTaskGroup(of: [Int].self) { group in
                    for _ in 0..<20 {
                        let last = Int(try await SSEClient.fetch(live.url("/last")).body)!
                        let from = last - 30
                        group.addTask {
                            try await withTimeout(10) {
                                var stream = try await SSEClient.open(
                                    live.url("/feed"), headers: [("Last-Event-ID", "\(from)")])
                                let events = try await stream.next(100)
                                #expect(events.allSatisfy { $0.event == nil }, "\(events.prefix(3))")
                                return [from] + events.compactMap { $0.id.flatMap(Int.init) }
                            }
                        }
                        try await Task.sleep(for: .milliseconds(15))
                    }
                    for try await ids in group {
                        #expect(ids.count == 101)
                        #expect(ids == Array(ids[0]...(ids[0] + 100)), "consecutive from the id it resumed from")
                    }
                }
            }
        }
    }
}
