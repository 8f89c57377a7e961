import Foundation
import Testing

extension Live {
    /// The demo page at `/`, in a real browser: headless Chromium's `EventSource`.
    @Suite(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"), .timeLimit(.minutes(1)))
    struct DemoPageTests {
        @Test func demoPageShowsTimeMessageEventsAsTheyArrive() async throws {
            try await withLiveServer(script: "file:" + Repository.path("scripts/clock.lua")) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/"))
                let state = try await browser.waitFor(
                    "document.getElementById('state').textContent === 'open' && 'open'")
                #expect(state as? String == "open")
                // The greeting is a `message` event; `timeMessage` arrives on the clock's next 6 s tick.
                let types = try await browser.waitFor(
                    """
                    (() => {
                      const types = [...document.querySelectorAll('#events tr')].map((row) => row.children[1].textContent);
                      return types.includes('timeMessage') && types;
                    })()
                    """, seconds: 15)
                let seen = try #require(types as? [String])
                #expect(seen.contains("message"))
                #expect(seen.contains("timeMessage"))
                let streams = try browser.evaluate(
                    "[...document.getElementById('streams').options].map((o) => o.value)")
                #expect(streams as? [String] == ["/sse"])
            }
        }
    }
}
