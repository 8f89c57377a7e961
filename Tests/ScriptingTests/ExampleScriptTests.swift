import Foundation
import Testing

/// `scripts/clock.lua` and `scripts/countdown.lua`, served for real and read by
/// AsyncHTTPClient with swift-openapi-runtime's decoder.
@Suite struct ExampleScriptTests {
    @Test func clockSendsRetryAndTheDateThenTimeMessage() async throws {
        try await withLiveServer(script: "file:" + Repository.path("scripts/clock.lua")) { live in
            let url = live.url("/sse")
            let (status, contentType, events) = try await withTimeout(15) {
                var stream = try await SSEClient.open(url)
                return (stream.status, stream.headers.first(name: "content-type"), try await stream.next(2))
            }
            #expect(status == 200)
            #expect(contentType == "text/event-stream; charset=utf-8")
            try #require(events.count == 2)
            #expect(events[0].retry == 6000)
            #expect(events[0].event == nil)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(events[0].data?.hasSuffix(String(year)) == true, "os.date() looks like 'Wed Nov 25 15:22:22 2026'")
            #expect(events[1].event == "timeMessage")
            #expect(events[1].data?.hasSuffix(String(year)) == true)
        }
    }

    @Test func countdownSendsEachNumberWithItsIdThenEnds() async throws {
        try await withLiveServer(script: "file:" + Repository.path("scripts/countdown.lua")) { live in
            let url = live.url("/countdown?from=3")
            let started = Date()
            let events = try await withTimeout(10) {
                var stream = try await SSEClient.open(url)
                return try await stream.rest()
            }
            #expect(events.map(\.data) == ["3", "2", "1", "0"])
            #expect(events.map(\.id) == ["3", "2", "1", "0"])
            #expect(Date().timeIntervalSince(started) >= 2.9, "one a second")
        }
    }
}
