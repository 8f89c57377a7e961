import Foundation
import Testing

extension Live {
    /// What Mercure's conformance suite does in a browser (conformance-tests/mercure.spec.ts:
    /// on a page of the hub's origin, an `EventSource` per case, a `fetch` POST with the
    /// suite's own publisher token, two seconds to receive the update), run in headless
    /// Chromium against `examples/mercure.lua` with its development key, Mercure's.
    @Suite(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"), .timeLimit(.minutes(1)))
    struct MercureBrowserTests {
        /// The conformance suite's token: `{"mercure":{"publish":["*"],"subscribe":["*"]}}`,
        /// HS256 with `!ChangeThisMercureHubJWTSecretKey!`.
        static let token =
            "eyJhbGciOiJIUzI1NiJ9.eyJtZXJjdXJlIjp7InB1Ymxpc2giOlsiKiJdLCJzdWJzY3JpYmUiOlsiKiJdfX0."
            + "bVXdlWXwfw9ySx7-iV5OpUSHo34RkjUdVzDLBcc6l_g"

        /// Runs every case of `MercureTests.cases` in order; `window.results` is then
        /// one `{name, received, status, contentType, body, id}` per case.
        static func page(_ cases: [MercureTests.Case]) throws -> String {
            let json = try JSONSerialization.data(
                withJSONObject: cases.map {
                    ["name": $0.name, "topics": $0.topics, "selectors": $0.selectors, "private": $0.private]
                        as [String: Any]
                })
            return """
                (async () => {
                  const cases = \(String(decoding: json, as: UTF8.self));
                  const results = [];
                  for (const c of cases) {
                    const url = new URL("/.well-known/mercure", window.origin);
                    for (const selector of c.selectors) url.searchParams.append("topic", selector);
                    const update = new URLSearchParams();
                    for (const topic of c.topics) update.append("topic", topic);
                    update.set("id", "id-" + JSON.stringify(c.topics));
                    update.set("data", "data for\\n\\n        " + c.name);
                    if (c.private) update.set("private", "on");

                    const source = new EventSource(url);
                    let received;
                    const arrived = new Promise((resolve) => { received = resolve; });
                    source.onmessage = (e) => {
                      if (e.lastEventId === update.get("id") && e.data === update.get("data")) received(true);
                    };
                    await new Promise((resolve) => { source.onopen = resolve; });
                    const response = await fetch("/.well-known/mercure", {
                      method: "POST", headers: { Authorization: "Bearer \(Self.token)" }, body: update });
                    const body = await response.text();
                    const got = await Promise.race([arrived, new Promise((r) => setTimeout(r, 2000, false))]);
                    source.close();
                    results.push({ name: c.name, received: got, status: response.status, body, id: update.get("id"),
                                   contentType: response.headers.get("Content-Type") });
                  }
                  window.results = results;
                })();
                """
        }

        @Test func eventSourceSeesWhatTheConformanceSuiteExpects() async throws {
            let hub = try MercureHub(anonymous: true, developmentKey: true)
            defer { hub.stop() }
            let cases = MercureTests.cases
            let browser = try HeadlessChromium()
            try browser.open(hub.base + "/conformance")  // any page of the hub's origin (this one a 404)
            // The new page is about:blank (complete) until the navigation commits.
            _ = try await browser.waitFor(
                "location.href.startsWith('\(hub.base)') && document.readyState === 'complete'")
            _ = try browser.evaluate(try Self.page(cases))
            let results = try #require(
                try await browser.waitFor("window.results", seconds: 45) as? [[String: Any]])
            try #require(results.count == cases.count)
            for (scenario, result) in zip(cases, results) {
                #expect(result["received"] as? Bool == scenario.received, "\(scenario.name)")
                #expect(result["status"] as? Int == 200, "\(scenario.name)")
                #expect((result["contentType"] as? String)?.hasPrefix("text/plain") == true)
                #expect(result["body"] as? String == result["id"] as? String, "CUSTOM_ID: the id it was given")
            }
        }
    }
}
