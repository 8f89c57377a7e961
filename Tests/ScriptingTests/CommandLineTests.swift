import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// What each `serve` and `check` option does, seen from outside the built binary
    /// (the README's Command line section): not only the values it refuses.
    @Suite(.timeLimit(.minutes(1))) struct CommandLineTests {
        /// A stream `/s`, and handlers that count it, echo, spin, allocate and look
        /// for the `io` library.
        static let script = """
            sse.stream("/s")
            sse.get("/count", function() return tostring(sse.clients("/s")) end)
            sse.post("/echo", function(req) return 200, req.body end)
            sse.get("/spin", function(req)
              local t = os.clock(); while os.clock() - t < tonumber(req.query.s) do end
              return "done"
            end)
            sse.get("/alloc", function(req)
              local s = string.rep("x", tonumber(req.query.mb) * 1048576)
              return tostring(#s // 1048576)
            end)
            sse.get("/io", function() return type(io) end)
            """

        // MARK: Output and start-up

        /// One line per stream URL, sorted, and nothing else: not the handlers.
        @Test func servePrintsOneLinePerStreamURL() throws {
            let path = try TemporaryScript.write(
                """
                sse.stream("/b"); sse.stream("/a", function(client) end); sse.stream("/c/d")
                sse.get("/x", function() return "x" end); sse.post("/a", function() end)
                """)
            let server = try RunningBinary(["serve", path, "--port", "0"])
            defer { server.terminate() }
            let first = try #require(server.nextLine(timeout: 30))
            let port = try #require(URLComponents(string: first)?.port)
            let lines = [first] + (0..<2).compactMap { _ in server.nextLine(timeout: 5) }
            #expect(lines == ["/a", "/b", "/c/d"].map { "http://127.0.0.1:\(port)\($0)" })
            #expect(server.moreOutput(quiet: 0.3) == "", "nothing else on standard output")
        }

        /// The README's example: a syntax error is one line on standard error, exit 1,
        /// nothing on standard output.
        @Test func serveOnASyntaxErrorIsOneLineAndExitStatusOne() throws {
            let path = try TemporaryScript.write(
                "sse.stream(\"/sse\")\nsse.every(1, function()\n  publish(\n", name: "broken.lua")
            let result = try run(RunningBinary.path, ["serve", path, "--port", "0"])
            #expect(result.status == 1)
            #expect(result.output == "")
            #expect(
                result.errors.wholeMatch(of: /ssescript: .*broken\.lua:4: unexpected symbol near <eof>\n/) != nil,
                "\(result.errors.debugDescription)")
        }

        /// An error at the top level is one line too (the README: a script that does
        /// not load is one line on standard error).
        @Test func serveOnATopLevelErrorIsOneLine() throws {
            let path = try TemporaryScript.write("sse.stream('/a')\nlocal t = nil\nprint(t.x)\n", name: "top.lua")
            let result = try run(RunningBinary.path, ["serve", path, "--port", "0"])
            #expect(result.status == 1 && result.output == "")
            #expect(
                result.errors.wholeMatch(
                    of: /ssescript: .*top\.lua:3: attempt to index a nil value \(local 't'\)\n/) != nil,
                "\(result.errors.debugDescription)")
        }

        /// The defaults `--help` states are the README's.
        @Test func theDocumentedDefaults() throws {
            let serve = try Self.defaults(try run(RunningBinary.path, ["serve", "--help"]).output)
            #expect(
                serve == [
                    "--script-timeout": "0.5", "--script-memory": "256", "--host": "127.0.0.1", "--port": "8080",
                    "--heartbeat": "15.0", "--client-buffer": "1048576", "--max-body": "1048576",
                    "--max-head": "16384", "--history-ttl": "600.0", "--max-topics": "100000", "--log-format": "text",
                    "--log-level": "info",
                ])
            // --max-clients has no fixed default: it follows the descriptor limit.
            #expect(
                try run(RunningBinary.path, ["serve", "--help"]).output.contains(
                    "Default: as many as the descriptor limit"))
            let check = try Self.defaults(try run(RunningBinary.path, ["check", "--help"]).output)
            #expect(check == ["--script-timeout": "0.5", "--script-memory": "256"])
        }

        /// `--help`'s options and their `(default: ...)`.
        static func defaults(_ help: String) throws -> [String: String] {
            var found: [String: String] = [:]
            for option in help.split(separator: /\n  (?=--)/).dropFirst() {
                let text = option.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                let name = String(text.prefix { $0 != " " })
                if let value = text.firstMatch(of: /\(default: ([^)]+)\)/)?.1 { found[name] = String(value) }
            }
            return found
        }

        // MARK: Listening

        /// By default only 127.0.0.1 (not every address: 127.0.0.2 is refused);
        /// `--host` picks the address and is what the URLs show.
        @Test func hostIsWhereItListensAndWhatTheURLsShow() async throws {
            let local = try RunningBinary.serve(Self.script)
            defer { local.binary.terminate() }
            #expect(local.url == "http://127.0.0.1:\(local.port)/s")
            #expect(throws: POSIXError.self, "not on every address") {
                try RawConnection(port: local.port, host: "127.0.0.2")
            }
            #expect(try await SSEClient.fetch(local.base + "/count").body == "0")

            let named = try RunningBinary.serve(Self.script, ["--host", "localhost"])
            defer { named.binary.terminate() }
            #expect(named.url == "http://localhost:\(named.port)/s")
            #expect(try await SSEClient.fetch(named.base + "/io").body == "table")
        }

        /// `--io-threads N`: N threads for connections, the script on one of its own;
        /// by default one per core.
        @Test func ioThreadsIsHowManyThreadsServeConnections() async throws {
            for (arguments, expected) in [
                (["--io-threads", "1"], [1, 1]), (["--io-threads", "3"], [1, 3]), ([], [1, System.coreCount].sorted()),
            ] {
                let served = try RunningBinary.serve(Self.script, arguments)
                defer { served.binary.terminate() }
                #expect(try await SSEClient.fetch(served.base + "/count").body == "0")
                // NIO names its loop threads NIO-ELT-<group>-#<thread>.
                let groups = Dictionary(
                    grouping: served.binary.threadNames.compactMap { $0.firstMatch(of: /NIO-ELT-([0-9]+)-#/)?.1 }
                ) { $0 }
                #expect(groups.values.map(\.count).sorted() == expected, "\(arguments): \(served.binary.threadNames)")
            }
        }

        // MARK: Streams

        /// `--heartbeat 0.2`: an idle stream gets a `: heartbeat` comment every 0.2 s.
        @Test func heartbeatIsTheIdleTimeBeforeAComment() async throws {
            let served = try RunningBinary.serve(Self.script, ["--heartbeat", "0.2"])
            defer { served.binary.terminate() }
            let (received, elapsed) = try await onOwnThread {
                let connection = try RawConnection(port: served.port)
                connection.send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = connection.read(until: ": ok\n")
                let started = Date()
                let received = connection.read(seconds: 10) { $0.components(separatedBy: ": heartbeat\n").count > 3 }
                return (received, Date().timeIntervalSince(started))
            }
            let beat = "c\r\n: heartbeat\n\r\n"
            #expect(received == beat + beat + beat, "three comments, no blank line: they dispatch nothing")
            #expect(elapsed >= 0.5 && elapsed < 3, "three heartbeats 0.2 s apart took \(elapsed) s")
        }

        /// `--client-buffer`: the same burst (8 MB) to the same stalled client drops it
        /// under a 64 KiB budget and not under a 64 MiB one.
        @Test func clientBufferIsTheWriteBudgetOfEachClient() async throws {
            let script =
                Self.script + """

                    sse.post("/burst", function()
                      for _ = 1, 80 do sse.publish("/s", string.rep("x", 100000)) end
                      return 204
                    end)
                    """
            let small = try RunningBinary.serve(script, ["--client-buffer", "65536"])
            defer { small.binary.terminate() }
            let large = try RunningBinary.serve(script, ["--client-buffer", "\(64 << 20)"])
            defer { large.binary.terminate() }
            var stalled: [RawConnection] = []
            for served in [small, large] {
                let connection = try RawConnection(port: served.port, receiveBuffer: 4096)
                connection.send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n")
                stalled.append(connection)
                try await waitUntil { try await SSEClient.fetch(served.base + "/count").body == "1" }
                #expect(try await SSEClient.fetch(served.base + "/burst", method: .POST).status == 204)
            }
            try await waitUntil { try await SSEClient.fetch(small.base + "/count").body == "0" }
            // Past the 1 s a stream may stay over its budget: the large budget still holds it.
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await SSEClient.fetch(large.base + "/count").body == "1")
            #expect(stalled[0].isClosedByPeer(within: 5), "the stalled client of the small budget was closed")
        }

        /// `--max-body`, `--max-head` and `--max-clients`, each past its limit: the
        /// README's status and one line.
        @Test func limitsAreTheirFlags() async throws {
            let served = try RunningBinary.serve(
                Self.script, ["--max-body", "10", "--max-head", "300", "--max-clients", "1"])
            defer { served.binary.terminate() }
            let echoed = try await SSEClient.fetch(served.base + "/echo", method: .POST, body: "0123456789")
            #expect(echoed.status == 200 && echoed.body == "0123456789", "10 bytes is within --max-body 10")
            let large = try await SSEClient.fetch(served.base + "/echo", method: .POST, body: "0123456789a")
            #expect(large.status == 413 && large.body == "request body larger than 10 bytes\n")

            let head = try await onOwnThread {
                let connection = try RawConnection(port: served.port)
                connection.send("GET /count HTTP/1.1\r\nX-Big: \(String(repeating: "h", count: 300))\r\n\r\n")
                return connection.read(seconds: 5)
            }
            #expect(head.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
            #expect(head.hasSuffix("\r\n\r\nrequest head larger than 300 bytes\n"))

            let first = EventCollector(served.url)
            try await waitUntil { try await SSEClient.fetch(served.base + "/count").body == "1" }
            let second = try await SSEClient.fetch(served.url)
            #expect(second.status == 503 && second.body == "too many clients, retry later\n")
            #expect(second.headers.first(name: "retry-after") == "5")
            #expect(!first.hasEnded)
        }

        /// `--cors ORIGIN` (repeatable) allows exactly those origins, instead of this
        /// machine's pages; `--cors '*'` allows any, without `Vary`.
        @Test func corsAllowsTheOriginsItNames() async throws {
            let named = try RunningBinary.serve(
                Self.script, ["--cors", "https://app.example.com", "--cors", "http://localhost:3000"])
            defer { named.binary.terminate() }
            for origin in ["https://app.example.com", "http://localhost:3000"] {
                let stream = try await SSEClient.open(named.url, headers: [("Origin", origin)])
                #expect(stream.headers.first(name: "access-control-allow-origin") == origin)
                #expect(stream.headers.first(name: "vary") == "Origin")
            }
            for origin in ["http://localhost:5173", "https://app.example.com:443", "https://evil.example"] {
                let stream = try await SSEClient.open(named.url, headers: [("Origin", origin)])
                #expect(
                    stream.status == 200 && stream.headers.first(name: "access-control-allow-origin") == nil,
                    "\(origin)")
            }

            let any = try RunningBinary.serve(Self.script, ["--cors", "*"])
            defer { any.binary.terminate() }
            let stream = try await SSEClient.open(any.url, headers: [("Origin", "https://anywhere.example")])
            #expect(stream.headers.first(name: "access-control-allow-origin") == "*")
            #expect(stream.headers.first(name: "vary") == nil)
        }

        // MARK: The script's limits

        /// `--script-timeout`: CPU seconds a handler may use without yielding. The
        /// default (0.5) lets 0.3 s through and stops 0.8 s.
        @Test func scriptTimeoutIsTheCPUTimeAHandlerMayUse() async throws {
            let strict = try RunningBinary.serve(Self.script, ["--script-timeout", "0.1"])
            defer { strict.binary.terminate() }
            let stopped = try await SSEClient.fetch(strict.base + "/spin?s=0.3")
            #expect(stopped.status == 500 && stopped.body == "script error\n")
            #expect(strict.binary.errors.contains("ran too long without yielding (over 100 ms)"))

            let lenient = try RunningBinary.serve(Self.script)
            defer { lenient.binary.terminate() }
            #expect(try await SSEClient.fetch(lenient.base + "/spin?s=0.3").body == "done")
            #expect(try await SSEClient.fetch(lenient.base + "/spin?s=0.8").status == 500)
            #expect(lenient.binary.errors.contains("ran too long without yielding (over 500 ms)"))

            let spin = try TemporaryScript.write("local t = os.clock(); while os.clock() - t < 0.3 do end")
            let checked = try run(RunningBinary.path, ["check", spin, "--script-timeout", "0.1"])
            #expect(checked.status == 1 && checked.errors.contains("ran too long without yielding (over 100 ms)"))
            #expect(try run(RunningBinary.path, ["check", spin]).status == 0)
        }

        /// `--script-memory`: megabytes the VM may hold. 8 stops a 16 MB string and
        /// lets 2 MB through; the default (256) lets 64 MB through.
        @Test func scriptMemoryIsWhatTheVMMayHold() async throws {
            let small = try RunningBinary.serve(Self.script, ["--script-memory", "8"])
            defer { small.binary.terminate() }
            #expect(try await SSEClient.fetch(small.base + "/alloc?mb=2").body == "2")
            #expect(try await SSEClient.fetch(small.base + "/alloc?mb=16").status == 500)
            #expect(small.binary.errors.contains("not enough memory"))
            #expect(try await SSEClient.fetch(small.base + "/alloc?mb=2").body == "2", "the server goes on")

            let standard = try RunningBinary.serve(Self.script)
            defer { standard.binary.terminate() }
            #expect(try await SSEClient.fetch(standard.base + "/alloc?mb=64").body == "64")

            let big = try TemporaryScript.write("local s = string.rep('x', 4 * 1048576)")
            let checked = try run(RunningBinary.path, ["check", big, "--script-memory", "1"])
            #expect(checked.status == 1 && checked.errors.contains("not enough memory"))
            #expect(try run(RunningBinary.path, ["check", big]).status == 0)
        }

        /// `--sandbox` on `serve` and on `check`: no `io` (nor the rest the README lists).
        @Test func sandboxOnServeAndCheck() async throws {
            let sandboxed = try RunningBinary.serve(Self.script, ["--sandbox"])
            defer { sandboxed.binary.terminate() }
            #expect(try await SSEClient.fetch(sandboxed.base + "/io").body == "nil")

            let usesIO = try TemporaryScript.write("sse.stream('/s')\nio.write('')\n", name: "io.lua")
            let served = try run(RunningBinary.path, ["serve", usesIO, "--port", "0", "--sandbox"])
            #expect(served.status == 1)
            #expect(served.errors.contains("io.lua:2: attempt to index a nil value (global 'io')"))
            let checked = try run(RunningBinary.path, ["check", usesIO, "--sandbox"])
            #expect(
                checked.status == 1 && checked.errors.contains("io.lua:2: attempt to index a nil value (global 'io')"))
            let unsandboxed = try run(RunningBinary.path, ["check", usesIO])
            #expect(unsandboxed.status == 0 && unsandboxed.output == "\(usesIO): ok\n")
        }
    }
}
