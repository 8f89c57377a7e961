import Foundation
import Testing

/// The developer console at `/`, used in headless Chromium as a developer would:
/// two streams side by side, raw bytes, a drop and the reconnects, the request
/// form, the live log and a failed reload. A screenshot is kept in
/// `.build/test-artifacts/console.png`.
@Suite(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"), .timeLimit(.minutes(1)))
struct ConsoleTests {
    static let script = """
        sse.stream("/chat", function(client)
          client:send{ retry = 300, event = "welcome", data = "hi " .. (client.query.name or "guest") }
        end)
        sse.stream("/ticks", function(client)
          client:send{ retry = 300, data = "resumed after " .. (client.last_event_id or "nothing") }
        end, { history = 50 })
        local n = 0
        sse.every(0.2, function()
          n = n + 1
          sse.publish("/ticks", { event = "tick", id = tostring(n), data = "tick " .. n })
        end)
        sse.post("/say", function(req)
          sse.log("said " .. req.body)
          sse.publish("/chat", { event = "message", data = req.body })
          return 201, { echoed = req.body }
        end)
        """

    /// JavaScript: the text of the `index`th panel's element `selector`.
    static func panel(_ index: Int, _ selector: String) -> String {
        "document.querySelectorAll('.panel')[\(index)].querySelector('\(selector)')"
    }

    @Test func theConsoleShowsStreamsSideBySideAndDrivesFaultsRequestsAndTheLog() async throws {
        let path = try TemporaryScript.write(Self.script)
        try await withLiveServer(script: "file:" + path) { live in
            let browser = try HeadlessChromium()
            try browser.open(live.url("/"))
            try browser.setViewport(width: 1500, height: 1000)
            // The first stream opens by itself, read with fetch: its parsed events and its bytes.
            _ = try await browser.waitFor("\(Self.panel(0, ".state")).textContent === 'open'")
            let welcome =
                try await browser.waitFor(
                    "[...\(Self.panel(0, ".events")).rows].map((r) => r.textContent).find((t) => t.includes('welcome'))"
                ) as? String
            #expect(welcome?.contains("hi guest") == true)
            let bytes = try #require(try browser.evaluate("\(Self.panel(0, ".bytes")).textContent") as? String)
            #expect(bytes.contains(#": ok\n"#), "the greeting comment, with its LF shown: \(bytes)")
            // Each LF is shown as \n and then breaks the line.
            #expect(bytes.contains("event: welcome\\n\nretry: 300\\n\ndata: hi guest\\n\n\\n"), "\(bytes)")

            // A second stream beside it, read by the browser's own EventSource, from Last-Event-ID 2.
            _ = try browser.evaluate(
                """
                document.getElementById('path').value = '/ticks';
                document.getElementById('mode').value = 'eventsource';
                document.getElementById('open-last-id').value = '2';
                document.getElementById('open').click();
                """)
            _ = try await browser.waitFor("\(Self.panel(1, ".state")).textContent === 'open'")
            _ = try await browser.waitFor(
                "[...\(Self.panel(1, ".events")).rows].map((r) => r.textContent).find((t) => t.includes('resumed after 2'))"
            )
            _ = try await browser.waitFor("\(Self.panel(1, ".events")).rows.length >= 4", seconds: 10)

            // Drop the EventSource's connection: the browser reconnects after retry with its last id.
            _ = try browser.evaluate("\(Self.panel(1, ".drop")).click()")
            _ = try await browser.waitFor(
                "[...\(Self.panel(1, ".events")).rows].map((r) => r.textContent).find((t) => t.includes('the browser reconnected after'))"
            )
            _ = try await browser.waitFor(
                "[...\(Self.panel(1, ".events")).rows].filter((r) => /resumed after [1-9][0-9]*/.test(r.textContent)).length >= 2"
            )
            // Drop the fetch reader's: it sees no clean end and reconnects by itself.
            _ = try browser.evaluate("\(Self.panel(0, ".drop")).click()")
            _ = try await browser.waitFor(
                "[...\(Self.panel(0, ".events")).rows].some((r) => r.textContent.includes('no clean end of the stream'))"
            )
            _ = try await browser.waitFor(
                "[...\(Self.panel(0, ".events")).rows].filter((r) => r.textContent.includes('hi guest')).length >= 2")

            // A request to the script's POST handler: its answer, the event it publishes, its log line.
            _ = try browser.evaluate(
                """
                document.getElementById('request-path').value = '/say';
                document.getElementById('request-body').value = 'hello from the form';
                document.getElementById('send').click();
                """)
            let answer =
                try await browser.waitFor(
                    "document.getElementById('response').textContent.startsWith('201') && document.getElementById('response').textContent"
                ) as? String
            #expect(answer?.contains(#"{"echoed":"hello from the form"}"#) == true, "\(answer ?? "")")
            _ = try await browser.waitFor(
                "[...\(Self.panel(0, ".events")).rows].some((r) => r.textContent.includes('hello from the form'))")
            _ = try await browser.waitFor(
                "document.getElementById('log-lines').textContent.includes('said hello from the form')")

            // The server's view: both clients of this page, with their streams.
            let clients =
                try await browser.waitFor(
                    "document.querySelectorAll('#status-clients tr').length >= 3 && document.getElementById('status-clients').textContent"
                ) as? String
            #expect(clients?.contains("this page") == true)

            // A reload that fails: the console says so, with file and line, and the log has it.
            try (Self.script + "\nsse.stream(\n").write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try await live.scriptServer.reload(because: "test") == false)
            let error =
                try await browser.waitFor(
                    "!document.getElementById('reload-error').hidden && document.getElementById('reload-error').textContent"
                ) as? String
            #expect(error?.contains("script.lua:") == true, "\(error ?? "")")
            _ = try await browser.waitFor(
                "document.querySelector('#log-lines li.reload-failed') !== null")

            let shot = try browser.screenshot()
            let directory = Repository.path(".build/test-artifacts")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try shot.write(to: URL(fileURLWithPath: directory + "/console.png"))
            #expect(shot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
            #expect(shot.count > 20_000, "a page with something on it: \(shot.count) bytes")
        }
    }
}

/// The console's endpoints: only its own page on this machine, only while it is served.
@Suite(.timeLimit(.minutes(1))) struct ConsoleAccessTests {
    @Test func anotherOriginOrACrossSitePageIsRefused() async throws {
        try await withLiveServer(script: #"sse.stream("/s")"#) { live in
            let own = "http://127.0.0.1:\(live.port)"
            let foreign = try await SSEClient.fetch(
                live.url("/_ssescript/drop?client=1"), method: .POST, headers: [("Origin", "http://evil.example")])
            #expect(foreign.status == 403 && foreign.body.contains("only its own page"))
            let loopbackElsewhere = try await SSEClient.fetch(
                live.url("/_ssescript/status"), headers: [("Origin", "http://127.0.0.1:5173")])
            #expect(loopbackElsewhere.status == 403, "another local page is another origin")
            let crossSite = try await SSEClient.fetch(
                live.url("/_ssescript/status"), headers: [("Sec-Fetch-Site", "cross-site")])
            #expect(crossSite.status == 403)
            let sameOrigin = try await SSEClient.fetch(
                live.url("/_ssescript/drop?client=12345"), method: .POST,
                headers: [("Origin", own), ("Sec-Fetch-Site", "same-origin")])
            #expect(sameOrigin.status == 404 && sameOrigin.body.contains("no connected client"))
            let status = try await SSEClient.fetch(live.url("/_ssescript/status"))
            #expect(status.status == 200 && status.headers.first(name: "content-type") == "application/json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])
            #expect((json["streams"] as? [[String: Any]])?.first?["path"] as? String == "/s")
        }
    }

    @Test func aScriptWithItsOwnRootHasNoConsole() async throws {
        let script = #"sse.get("/", function() return "mine" end); sse.stream("/s")"#
        try await withLiveServer(script: script) { live in
            #expect(try await SSEClient.fetch(live.url("/")).body == "mine")
            let status = try await SSEClient.fetch(live.url("/_ssescript/status"))
            #expect(status.status == 404)
            let drop = try await SSEClient.fetch(live.url("/_ssescript/drop?client=1"), method: .POST)
            #expect(drop.status == 404)
        }
    }

    @Test func theConsoleDropsAndPublishesAsAsked() async throws {
        let log = LogRecorder()
        let script = """
            sse.stream("/s", function(client)
              client:on_close(function(_, reason) sse.log("gone " .. reason) end)
              client:send("hello")
            end)
            """
        try await withLiveServer(script: script, logger: log.logger) { live in
            let reader = EventCollector(live.url("/s?ssescript_console=t1"))
            try await reader.waitFor { $0 == ["hello"] }
            let published = try await SSEClient.fetch(
                live.url("/_ssescript/publish?topic=/s&event=note&id=9"), method: .POST, body: "from the console")
            #expect(published.body == #"{"topic":"/s","delivered":1}"#)
            try await reader.waitFor { $0 == ["hello", "from the console"] }
            #expect(reader.events.last?.event == "note" && reader.events.last?.id == "9")
            let dropped = try await SSEClient.fetch(live.url("/_ssescript/drop?console=t1"), method: .POST)
            #expect(dropped.status == 200 && dropped.body.hasPrefix(#"{"clients":["#))
            try await waitUntil { log.contains("gone closed") }
        }
    }
}
