import Foundation
import Testing

extension Live {
    /// `examples/progress.lua`: its page in headless Chromium (the bar fills, `done`
    /// closes the EventSource and nothing reconnects), and a resume read by
    /// AsyncHTTPClient with swift-openapi-runtime's decoder.
    @Suite(.timeLimit(.minutes(1))) struct ProgressTests {
        static let progress = "file:" + Repository.path("examples/progress.lua")

        @Test(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"))
        func thePageFillsItsBarThenClosesTheEventSource() async throws {
            try await withLiveServer(script: Self.progress) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/"))
                _ = try await browser.waitFor("typeof source === 'object'")
                _ = try browser.evaluate(
                    "window.seen = []; source.addEventListener('progress', (e) => seen.push(JSON.parse(e.data).percent))"
                )
                _ = try await browser.waitFor("document.getElementById('text').textContent.startsWith('done')")
                #expect(
                    try browser.evaluate("document.getElementById('text').textContent") as? String
                        == "done: processed 20 items")
                #expect(try browser.evaluate("document.getElementById('bar').value") as? Int == 100)
                let seen = try #require(try browser.evaluate("window.seen") as? [Int])
                #expect(seen.count >= 2 && seen.last == 100 && seen == seen.sorted(), "the bar moved up: \(seen)")
                #expect(try browser.evaluate("source.readyState") as? Int == 2, "CLOSED: it will not reconnect")
                try await Task.sleep(for: .milliseconds(1500))  // past the stream's retry of 1 s
                #expect(try await live.onScriptLoop { live.server.hub.count() } == 0, "no stream open after done")
            }
        }

        /// A reload ends the job's stream; the page's EventSource comes back with
        /// Last-Event-ID and the job goes on from the next step: each step once.
        @Test(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"))
        func aReloadMidJobLosesNoStepAndRepeatsNone() async throws {
            try await withLiveServer(script: Self.progress) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/"))
                _ = try await browser.waitFor("typeof source === 'object'")
                _ = try browser.evaluate(
                    "window.steps = []; source.addEventListener('progress', (e) => steps.push(JSON.parse(e.data).step))"
                )
                _ = try await browser.waitFor("window.steps.length >= 3")
                #expect(try await live.onScriptLoop { live.host.reload(because: "test") })
                _ = try await browser.waitFor("document.getElementById('text').textContent.startsWith('done')")
                let steps = try #require(try browser.evaluate("window.steps") as? [Int])
                #expect(steps.last == 20 && steps == Array(steps.first!...20), "each step once, in order: \(steps)")
            }
        }

        @Test func eachStepIsAnEventThenDoneThenTheEnd() async throws {
            try await withLiveServer(script: Self.progress) { live in
                let events = try await withTimeout(15) {
                    var stream = try await SSEClient.open(live.url("/progress?steps=4"))
                    return try await stream.rest()
                }
                #expect(events.first?.retry == 1000)
                let steps = events.filter { $0.event == "progress" }
                #expect(steps.map(\.id) == ["1", "2", "3", "4"])
                let percents = try steps.map { try Live.ExamplesTests.json($0.data)["percent"] as? Int }
                #expect(percents == [25, 50, 75, 100])
                #expect(events.last?.event == "done")
                #expect(try Live.ExamplesTests.json(events.last?.data)["result"] as? String == "processed 4 items")
            }
        }

        @Test func aClientBackWithLastEventIDGetsTheRemainingSteps() async throws {
            try await withLiveServer(script: Self.progress) { live in
                let events = try await withTimeout(15) {
                    var stream = try await SSEClient.open(
                        live.url("/progress?steps=10"), headers: [("Last-Event-ID", "7")])
                    return try await stream.rest()
                }
                #expect(events.compactMap(\.id) == ["8", "9", "10"], "from the step after the one it saw")
                #expect(events.contains { $0.event == "ssescript-gap" } == false)
                #expect(events.last?.event == "done")
                let finished = try await SSEClient.fetch(
                    live.url("/progress?steps=10"), headers: [("Last-Event-ID", "10")])
                #expect(finished.status == 410 && finished.body == "this job is finished\n")
                let bad = try await SSEClient.fetch(live.url("/progress?steps=0"))
                #expect(bad.status == 400 && bad.body == "steps must be from 1 to 1000\n")
            }
        }
    }
}
