import Foundation
import Testing

/// Faults as a browser's `EventSource` (headless Chromium) lives through them.
@Suite(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"), .timeLimit(.minutes(1)))
struct BrowserFaultTests {
    @Test func aBrowserReconnectsAfterADropWithRetryAndItsLastEventID() async throws {
        let script = #"""
            local page = [[<!doctype html><title>drop</title><script>
              window.seen = [];
              const source = new EventSource('/feed');
              source.onmessage = (e) => seen.push(e.data);
              source.onerror = () => seen.push('error, readyState ' + source.readyState);
            </script>]]
            sse.get("/page", function() return 200, page, { ["Content-Type"] = "text/html" } end)
            local dropped_at
            sse.stream("/feed", function(client)
              if client.last_event_id == nil then
                client:send{ retry = 400, id = "7", data = "first" }
                sse.sleep(0.2)
                dropped_at = sse.now()
                client:drop()
              else
                client:send(string.format("back with %s after %.3f", client.last_event_id, sse.now() - dropped_at))
              end
            end)
            """#
        try await withLiveServer(script: script) { live in
            let browser = try HeadlessChromium()
            try browser.open(live.url("/page"))
            let seen = try #require(try await browser.waitFor("seen.length >= 3 && seen") as? [String])
            #expect(seen[0] == "first")
            #expect(seen[1] == "error, readyState 0", "CONNECTING: the browser reconnects by itself")
            #expect(seen[2].hasPrefix("back with 7 after "), "\(seen)")
            let delay = try #require(Double(seen[2].split(separator: " ").last ?? ""))
            #expect(delay >= 0.4 && delay < 2, "after retry (400 ms): \(delay) s")
        }
    }

    @Test func chromiumsEventSourceStripsABOMAndTakesCROnlyLineEndsFromSendRaw() async throws {
        let script = #"""
            local page = [[<!doctype html><title>raw</title><script>
              window.seen = [];
              new EventSource('/raw').onmessage = (e) => seen.push(e.data);
            </script>]]
            sse.get("/page", function() return 200, page, { ["Content-Type"] = "text/html" } end)
            sse.stream("/raw", function(client)
              client:send_raw("\239\187\191data: after a BOM\r\r")
              client:send_raw("data: one\rdata: two\r\r")
              client:send_raw("data: half ")
              sse.sleep(0.1)
              client:send_raw("and half\n\n")
            end)
            """#
        try await withLiveServer(script: script) { live in
            let browser = try HeadlessChromium()
            try browser.open(live.url("/page"))
            let seen = try #require(try await browser.waitFor("seen.length >= 3 && seen") as? [String])
            #expect(seen == ["after a BOM", "one\ntwo", "half and half"])
        }
    }
}
