import Foundation
import Testing

extension Live {
    /// HTTP/2 in clear (prior knowledge, `h2c`): read by curl, nghttp and Python's
    /// h2, with the same routes, limits and rules as HTTP/1.1.
    @Suite(.serialized, .timeLimit(.minutes(2))) struct HTTP2Tests {
        static let script = """
            sse.stream("/feed", function(client)
              client:send{ id = "1", data = client.protocol }
              for n = 2, 3 do sse.sleep(0.05); client:send{ id = tostring(n), data = "event " .. n } end
              client:close()
            end)
            sse.stream("/live", function(client) client:send{ retry = 1000 } end)
            sse.every(0.05, function() sse.publish("/live", { data = string.format("%.6f", sse.now()) }) end)
            sse.post("/echo", function(req) return 200, req.body end)
            """

        private func curl(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
            try await onOwnThread { try run("/usr/bin/curl", ["-s", "--max-time", "5"] + arguments) }
        }

        @Test func curlReadsAStreamOverH2cAndTheScriptSeesTheProtocol() async throws {
            try await withLiveServer(script: Self.script) { live in
                let h2 = try await curl(["--http2-prior-knowledge", "-N", "-D", "-", live.url("/feed")])
                #expect(h2.output.hasPrefix("HTTP/2 200 \r\ncontent-type: text/event-stream; charset=utf-8\r\n"))
                #expect(
                    h2.output.hasSuffix(": ok\nid: 1\ndata: h2\n\nid: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\n"))
                let h1 = try await curl(["-N", live.url("/feed")])
                #expect(h1.output.hasPrefix(": ok\nid: 1\ndata: http/1.1\n\n"))
            }
        }

        @Test func nghttpReadsAStream() async throws {
            try await withLiveServer(script: Self.script) { live in
                let result = try await onOwnThread { try run("/usr/bin/nghttp", ["-t", "5", live.url("/feed")]) }
                #expect(result.status == 0, "\(result.errors)")
                #expect(result.output == ": ok\nid: 1\ndata: h2\n\nid: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\n")
            }
        }

        @Test func refusalsHandlersAndCORSAreTheSameOverH2() async throws {
            try await withLiveServer(script: Self.script, configure: { $0.maxBody = 8 }) { live in
                let missing = try await curl(["--http2-prior-knowledge", "-i", live.url("/nope")])
                #expect(
                    missing.output.hasPrefix("HTTP/2 404 \r\n")
                        && missing.output.hasSuffix("no stream or handler at /nope\n"))
                let method = try await curl(["--http2-prior-knowledge", "-i", "-X", "DELETE", live.url("/feed")])
                #expect(
                    method.output.hasPrefix("HTTP/2 405 \r\n") && method.output.contains("\r\nallow: GET, POST\r\n"))
                let echo = try await curl(["--http2-prior-knowledge", "-i", "-d", "hello", live.url("/echo")])
                #expect(echo.output.hasPrefix("HTTP/2 200 \r\n") && echo.output.hasSuffix("\r\n\r\nhello"))
                let large = try await curl(["--http2-prior-knowledge", "-i", "-d", "far too large", live.url("/echo")])
                #expect(
                    large.output.hasPrefix("HTTP/2 413 \r\n")
                        && large.output.hasSuffix("request body larger than 8 bytes\n"))
                let preflight = try await curl([
                    "--http2-prior-knowledge", "-i", "-X", "OPTIONS", "-H", "Origin: http://localhost:5173",
                    "-H", "Access-Control-Request-Headers: last-event-id", live.url("/feed"),
                ])
                #expect(preflight.output.hasPrefix("HTTP/2 204 \r\n"))
                #expect(preflight.output.contains("\r\naccess-control-allow-origin: http://localhost:5173\r\n"))
                let stream = try await curl([
                    "--http2-prior-knowledge", "-i", "-N", "-H", "Origin: http://127.0.0.1:3000", live.url("/feed"),
                ])
                #expect(
                    stream.output.contains("\r\naccess-control-allow-origin: http://127.0.0.1:3000\r\nvary: Origin\r\n")
                )
            }
        }

        /// Regression: a body over `--max-body` got its 413 and then a reset of the
        /// stream (`CANCEL`), which curl, still sending, reported as a stream error
        /// instead of the 413 about one time in twenty. Now the rest of the body is read
        /// and dropped, and every request gets its 413, a small body or a large one.
        @Test func aBodyOverTheLimitIsAlwaysA413NotAReset() async throws {
            let body = try TemporaryScript.write(String(repeating: "x", count: 1 << 20), name: "body.txt")
            try await withLiveServer(script: Self.script, configure: { $0.maxBody = 8 }) { live in
                var failures: [String] = []
                for round in 0..<100 {
                    let data = round % 10 == 0 ? "@" + body : "far too large"
                    let answer = try await curl([
                        "--http2-prior-knowledge", "-i", "--data-binary", data, "-w", " %{http_code}",
                        live.url("/echo"),
                    ])
                    if answer.status != 0 || !answer.output.hasSuffix("request body larger than 8 bytes\n 413") {
                        failures.append("round \(round): curl \(answer.status) \(answer.output.suffix(60))")
                    }
                }
                #expect(failures.isEmpty, "\(failures.count) of 100: \(failures.prefix(3))")
            }
        }

        @Test func resumingWithLastEventIDWorksOverH2() async throws {
            let script = """
                sse.stream("/ticker", nil, { history = 10 })
                for n = 1, 5 do sse.publish("/ticker", { id = tostring(n), data = "tick " .. n }) end
                """
            try await withLiveServer(script: script) { live in
                let resumed = try await curl([
                    "--http2-prior-knowledge", "-N", "--max-time", "1", "-H", "Last-Event-ID: 3", live.url("/ticker"),
                ])
                #expect(resumed.output == ": ok\nid: 4\ndata: tick 4\n\nid: 5\ndata: tick 5\n\n")
            }
        }

        /// A stream that grants no flow-control window takes nothing: it is handled as a
        /// slow client, while a stream on another connection stays on time.
        @Test(.enabled(if: Python.has("h2"))) func aStreamThatGrantsNoWindowIsDisconnectedAsSlow() async throws {
            let script = """
                sse.stream("/big", function(client) end)
                sse.every(0.01, function() sse.publish("/big", string.rep("x", 2000)) end)
                sse.stream("/live", function(client) end)
                sse.every(0.05, function() sse.publish("/live", "tick") end)
                """
            try await withLiveServer(script: script, configure: { $0.clientBuffer = 8192 }) { live in
                let bystander = EventCollector(live.url("/live"))
                defer { bystander.stop() }
                let result = try await onOwnThread {
                    try Python.run(H2Client.grantsNoWindow, ["\(live.port)", "/big"])
                }
                #expect(result.status == 0, "\(result.errors)")
                let words = result.output.split(separator: " ")
                #expect(words.first == "StreamReset", "\(result.output)")
                #expect(Double(words.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 99 < 3)
                #expect(live.server.slowClientsDisconnected == 1)
                try await bystander.waitFor(seconds: 5) { $0.count >= 20 }
                #expect(bystander.longestGap < .seconds(1), "the bystander stays on time")
            }
        }

        /// Thousands of HEADERS each reset at once: swift-nio-http2 ends that
        /// connection; everyone else is served, and new connections are too.
        @Test(.enabled(if: Python.has("h2"))) func aResetFloodLeavesTheServerServing() async throws {
            try await withLiveServer(script: Self.script) { live in
                let bystander = EventCollector(live.url("/live"))
                defer { bystander.stop() }
                let result = try await onOwnThread { try Python.run(H2Client.resetFlood, ["\(live.port)", "5000"]) }
                #expect(result.status == 0, "\(result.errors)")
                #expect(result.output == "ENHANCE_YOUR_CALM\n", "the flooding connection is ended")
                let after = try await curl(["--http2-prior-knowledge", "-N", live.url("/feed")])
                #expect(after.output.hasPrefix(": ok\nid: 1\ndata: h2\n\n"))
                try await bystander.waitFor(seconds: 5) { $0.count >= 20 }
                #expect(bystander.longestGap < .seconds(1))
            }
        }

        /// A graceful stop ends each HTTP/2 stream cleanly and sends GOAWAY.
        @Test(.enabled(if: Python.has("h2"))) func aGracefulStopEndsStreamsAndSendsGoAway() async throws {
            let live = try await LiveServer.start(
                script: Self.script, configure: { $0.closeTimeout = .milliseconds(500) })
            let watcher = Task {
                try await onOwnThread { try Python.run(H2Client.watchesAStop, ["\(live.port)", "/live"]) }
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while try await live.onScriptLoop({ live.server.hub.count(topic: "/live") }) == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(100))
            try await live.stop()
            let result = try await watcher.value
            #expect(result.status == 0, "\(result.errors)")
            #expect(
                result.output == "streaming\nended NO_ERROR\n", "the stream's end, then GOAWAY")
        }
    }
}
