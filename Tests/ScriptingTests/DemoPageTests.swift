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

        /// A reload that failed is shown on the page, above the stream the running
        /// version still serves.
        @Test func demoPageShowsTheLastReloadError() async throws {
            let path = try TemporaryScript.write(VersionedScript.source("v1"))
            try await withLiveServer(script: "file:" + path) { live in
                try "sse.stream('/s'\n".write(toFile: path, atomically: false, encoding: .utf8)
                #expect(try await live.onScriptLoop { live.host.reload(because: "test") } == false)
                let browser = try HeadlessChromium()
                try browser.open(live.url("/"))
                let shown = try await browser.waitFor(
                    """
                    (() => {
                      const error = document.getElementById('error');
                      return getComputedStyle(error).display !== 'none' && error.textContent;
                    })()
                    """)
                #expect(
                    (shown as? String)?.hasSuffix("script.lua:2: ')' expected (to close '(' at line 1) near <eof>")
                        == true)
                _ = try await browser.waitFor("document.getElementById('state').textContent === 'open'")
                let rows = try await browser.waitFor(
                    "[...document.querySelectorAll('#events tr')].map((row) => row.children[3].textContent).includes('v1')"
                )
                #expect(rows as? Bool == true, "the old version goes on")
            }
        }
    }
}
