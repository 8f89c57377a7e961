import Foundation
import Testing

extension Live {
    /// Delivery as a browser sees it: headless Chromium's `EventSource` on a page the
    /// script serves.
    @Suite(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"), .timeLimit(.minutes(1)))
    struct BrowserDeliveryTests {
        @Test func eventSourceResumesAfterTheServerClosesAndMissesNothing() async throws {
            let script = #"""
                local page = [[<!doctype html><title>resume</title><script>
                  window.seen = []; window.opens = 0;
                  const source = new EventSource('/feed');
                  source.onopen = () => { window.opens++; };
                  source.onmessage = (e) => { window.seen.push(Number(e.data)); };
                </script>]]
                sse.get("/page", function() return 200, page, { ["Content-Type"] = "text/html" } end)

                local open, resumed_from = {}, {}
                sse.stream("/feed", function(client)
                  open[client.id] = client
                  resumed_from[#resumed_from + 1] = client.last_event_id or "-"
                  client:send{ retry = 300 }
                end)
                local n = 0
                sse.post("/start", function()
                  sse.every(0.05, function(t)
                    n = n + 1
                    sse.publish("/feed", { id = n, data = n })
                    if n == 60 then t:cancel() end
                  end)
                  return 204
                end)
                sse.post("/kick", function()
                  for id, client in pairs(open) do client:close(); open[id] = nil end
                  return tostring(n)
                end)
                sse.get("/resumed", function() return table.concat(resumed_from, ",") end)
                """#
            try await withLiveServer(script: script) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/page"))
                _ = try await browser.waitFor("window.opens === 1")
                #expect(try await SSEClient.fetch(live.url("/start"), method: .POST).status == 204)
                _ = try await browser.waitFor("window.seen.length >= 10")
                let kicked = try await SSEClient.fetch(live.url("/kick"), method: .POST)
                #expect(Int(kicked.body) ?? 60 < 55, "closed while events were still coming")
                _ = try await browser.waitFor("window.seen.includes(60)", seconds: 15)
                try await Task.sleep(for: .milliseconds(200))
                let seen = try #require(try browser.evaluate("window.seen") as? [Int])
                #expect(seen == Array(1...60), "each event once, in order, across the reconnection")
                #expect(try browser.evaluate("window.opens") as? Int == 2)
                let resumed = try await SSEClient.fetch(live.url("/resumed")).body.split(separator: ",")
                #expect(resumed.count == 2 && resumed.first == "-")
                #expect(resumed.last.flatMap { Int($0) } != nil, "the browser sent Last-Event-ID")
            }
        }

        /// A client over its budget (4 KiB here) is dropped as a slow client, and
        /// `EventSource` comes back with `Last-Event-ID` and gets what it missed, each
        /// event once. The drop is made certain by the budget at send: in the middle
        /// of 80 published events, the handler queues 100 KB for the browser in one
        /// turn. (A fast browser on an idle core reads whatever is published as it
        /// comes, so a burst alone does not make it slow.)
        @Test func eventSourceResumesAfterASlowClientDisconnect() async throws {
            let script = #"""
                local page = [[<!doctype html><title>slow</title><script>
                  window.seen = []; window.opens = 0;
                  const source = new EventSource('/feed');
                  source.onopen = () => { window.opens++; };
                  source.onmessage = (e) => { window.seen.push(Number(e.data.split(" ")[0])); };
                </script>]]
                local readers = {}
                sse.get("/page", function() return 200, page, { ["Content-Type"] = "text/html" } end)
                sse.stream("/feed", function(client)
                  readers[client.id] = client
                  client:on_close(function() readers[client.id] = nil end)
                  client:send{ retry = 200 }
                end, { history = 1000 })
                local blob = string.rep("x", 1000)
                sse.post("/burst", function()
                  for n = 1, 40 do sse.publish("/feed", { id = n, data = n .. " " .. blob }) end
                  for _, client in pairs(readers) do client:send(string.rep("y", 100000)) end
                  for n = 41, 80 do sse.publish("/feed", { id = n, data = n .. " " .. blob }) end
                  return 204
                end)
                """#
            try await withLiveServer(script: script, configure: { $0.clientBuffer = 4 << 10 }) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/page"))
                _ = try await browser.waitFor("window.opens === 1")
                #expect(try await SSEClient.fetch(live.url("/burst"), method: .POST).status == 204)
                _ = try await browser.waitFor("window.seen.includes(80)", seconds: 30)
                #expect(live.server.slowClientsDisconnected >= 1, "the browser was dropped as a slow client")
                let seen = try #require(try browser.evaluate("window.seen") as? [Int])
                #expect(seen == Array(1...80), "each event once, in order, across the reconnections")
                #expect(try browser.evaluate("window.opens") as? Int ?? 0 >= 2, "it came back on its own")
            }
        }

        @Test func denyIsAPlainErrorAndEventSourceStaysClosed() async throws {
            let script = #"""
                local page = [[<!doctype html><title>deny</title><script>
                  window.errors = 0;
                  window.source = new EventSource('/private');
                  source.onerror = () => { window.errors++; };
                </script>]]
                sse.get("/page", function() return 200, page, { ["Content-Type"] = "text/html" } end)
                local requests = 0
                sse.stream("/private", function(client)
                  requests = requests + 1
                  client:deny(401, "who are you?")
                end)
                sse.get("/requests", function() return tostring(requests) end)
                """#
            try await withLiveServer(script: script) { live in
                let browser = try HeadlessChromium()
                try browser.open(live.url("/page"))
                _ = try await browser.waitFor("window.errors >= 1")
                // EventSource's default reconnection delay is about 3 s; a closed one never retries.
                try await Task.sleep(for: .milliseconds(3500))
                #expect(try browser.evaluate("window.source.readyState") as? Int == 2, "CLOSED")
                #expect(try browser.evaluate("window.errors") as? Int == 1)
                #expect(try await SSEClient.fetch(live.url("/requests")).body == "1", "the browser asked once")
                let direct = try await SSEClient.fetch(live.url("/private"))
                #expect(direct.status == 401 && direct.body == "who are you?\n")
            }
        }
    }
}
