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

        @Test(.timeLimit(.minutes(1)))
        func theLiveViewShowsClientsPerStreamTheLastErrorsAndTheLastReload() async throws {
            let script = """
                sse.stream("/sse", function(client) client:send("hi") end)
                sse.stream("/other")
                sse.get("/fail", function() error("boom in the handler") end)
                """
            try await withLiveServer(script: script) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/"))
                _ = try await browser.waitFor("document.getElementById('state').textContent === 'open'")
                // The page's own EventSource is on the first stream, /other; two clients come to /sse.
                let others = (0..<2).map { _ in EventCollector(live.url("/sse")) }
                let count = try await browser.waitFor(
                    """
                    (() => {
                      const cell = document.querySelector('#live-clients tr[data-path="/sse"] .count');
                      return cell && cell.textContent === '2' && cell.textContent;
                    })()
                    """)
                #expect(count as? String == "2")
                let other = try browser.evaluate(
                    "document.querySelector('#live-clients tr[data-path=\"/other\"] .count').textContent")
                #expect(other as? String == "1", "the page itself")
                #expect(try await SSEClient.fetch(live.url("/fail")).status == 500)
                let errors = try await browser.waitFor(
                    "document.getElementById('live-errors').textContent.includes('boom in the handler') && document.getElementById('live-errors').textContent"
                )
                #expect((errors as? String)?.contains("handler /fail") == true)
                #expect(try await live.scriptServer.reload(because: "test"))
                let reload = try await browser.waitFor(
                    "document.getElementById('live-reload').textContent.startsWith('ok') && document.getElementById('live-reload').textContent"
                )
                #expect((reload as? String)?.contains("(test)") == true)
                let rate = try browser.evaluate("document.getElementById('live-sent').textContent")
                #expect(Double(rate as? String ?? "") != nil, "events per second is a number: \(rate ?? "nil")")
                withExtendedLifetime(others) {}
            }
        }

        @Test func theStatusIsJSONServedWithTheDemoPageOnly() async throws {
            let script = """
                sse.stream("/sse")
                sse.every(60, function() end)
                """
            try await withLiveServer(script: script) { live in
                let status = try await SSEClient.fetch(live.url("/_ssescript/status"))
                #expect(status.status == 200 && status.headers.first(name: "content-type") == "application/json")
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])
                #expect(object["clients"] as? [String: Int] == ["/sse": 0])
                #expect(object["timers"] as? Int == 1 && object["errors"] as? [Any] != nil)
                #expect(object["reload"] is NSNull)
            }
            try await withLiveServer(script: #"sse.get("/", function() return "my page" end)"#) { live in
                let status = try await SSEClient.fetch(live.url("/_ssescript/status")).status
                #expect(status == 404, "no demo page, no status")
            }
        }
    }
}
