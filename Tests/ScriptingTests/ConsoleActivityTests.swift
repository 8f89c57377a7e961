import Foundation
import Testing

extension Live {
    /// The console's live view of the server in headless Chromium: clients per
    /// stream, events per second, the last script errors and the last reload, from
    /// `/_ssescript/status` (its `activity` member), refreshed every second.
    @Suite(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"), .timeLimit(.minutes(1)))
    struct ConsoleActivityTests {
        static let script = """
            sse.stream("/sse", function(client) client:send("hi") end)
            sse.every(0.1, function() sse.publish("/sse", "tick") end)
            sse.get("/fail", function() error("boom in the handler") end)
            """

        @Test func theConsoleShowsClientsEventsPerSecondErrorsAndTheLastReload() async throws {
            try await withLiveServer(script: Self.script) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/"))
                // The console's own panel reads /sse; two more clients come.
                let others = (0..<2).map { _ in EventCollector(live.url("/sse")) }
                let row = try await browser.waitFor(
                    """
                    (() => {
                      const row = [...document.querySelectorAll('#status-streams tr')].find((r) => r.cells[0].textContent === '/sse');
                      return row && row.cells[1].textContent === '3' && row.textContent;
                    })()
                    """)
                #expect((row as? String)?.hasPrefix("/sse3") == true)
                let rate = try await browser.waitFor(
                    "(t => /published/.test(t) && !t.includes('…') && t)(document.getElementById('activity-rate')?.textContent ?? '')"
                )
                let published = (rate as? String)?.split(separator: " ").dropFirst(3).first.flatMap { Double($0) }
                #expect((published ?? 0) > 2 && (published ?? 0) < 30, "about 10 a second: \(rate)")
                #expect(try await SSEClient.fetch(live.url("/fail")).status == 500)
                let errors = try await browser.waitFor(
                    "(t => t.includes('boom in the handler') && t)(document.getElementById('activity-errors')?.textContent ?? '')"
                )
                #expect((errors as? String)?.contains("handler /fail") == true)
                #expect(try await live.scriptServer.reload(because: "test"))
                let reload = try await browser.waitFor(
                    "(t => t.startsWith('last reload: ok') && t)(document.getElementById('activity-reload')?.textContent ?? '')"
                )
                #expect((reload as? String)?.contains("(test)") == true)
                withExtendedLifetime(others) {}
            }
        }
    }
}
