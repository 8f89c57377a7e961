import Foundation
import Testing

extension Live {
    /// `scripts/soak.lua`, the feed `make soak` runs against: numbered events that
    /// survive a reload, a resume that picks up after the last one, a stop.
    @Suite struct SoakScriptTests {
        @Test(.timeLimit(.minutes(1)))
        func numbersEventsAcrossAReloadResumesAndStops() async throws {
            try await withLiveServer(script: "file:" + Repository.path("scripts/soak.lua")) { live in
                let first = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/feed"))
                    return try await stream.next(3)
                }
                let ids = first.compactMap { $0.id.flatMap { Int($0) } }
                #expect(ids.count == 3 && ids == Array(ids[0]...ids[0] + 2), "consecutive ids: \(ids)")
                #expect(first.allSatisfy { $0.data?.hasPrefix(String(repeating: "x", count: 400)) == true })
                #expect(try await live.scriptServer.reload(because: "test"))
                let resumed = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "\(ids[2])")])
                    return try await stream.next(3)
                }
                #expect(resumed.compactMap { $0.id.flatMap { Int($0) } } == [ids[2] + 1, ids[2] + 2, ids[2] + 3])
                let last = try #require(Int(try await SSEClient.fetch(live.url("/stop"), method: .POST).body))
                #expect(last >= ids[2] + 3)
                try await Task.sleep(for: .milliseconds(200))
                #expect(
                    try await SSEClient.fetch(live.url("/stop"), method: .POST).body == "\(last)",
                    "no event after the stop"
                )
            }
        }
    }
}
