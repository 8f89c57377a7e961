import Foundation
import Testing

extension Live {
    /// The built `ssescript` binary as a process, read by `curl -N`.
    @Suite(.timeLimit(.minutes(1))) struct BinaryTests {
        @Test func serveStreamsTheClockToCurl() async throws {
            let server = try RunningBinary(["serve", Repository.path("scripts/clock.lua"), "--port", "0"])
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30), "the stream URL is printed on start")
            // The README's session: the greeting at once, the clock's event 6 s after the start.
            let curl = try run("/usr/bin/curl", ["-sN", "--max-time", "7.5", url])
            let match = curl.output.wholeMatch(
                of: /: ok\nretry: 6000\ndata: (.+)\n\nevent: timeMessage\ndata: (.+)\n\n/)
            #expect(match != nil, "\(curl.output.debugDescription)")
            #expect(ClockScript.isNow(match.map { String($0.1) }) && ClockScript.isNow(match.map { String($0.2) }))
            #expect(
                url.wholeMatch(of: /http:\/\/127\.0\.0\.1:[0-9]+\/sse/) != nil, "one line, the stream's URL: \(url)")
            #expect(server.moreOutput(quiet: 0.2) == "", "and nothing else")
            #expect(server.terminate() == 0, "SIGTERM ends the server with status 0")
        }

        @Test func checkPrintsFileAndLineOfABrokenScriptAndFails() throws {
            let path = try TemporaryScript.write(
                "sse.stream(\"/sse\")\nsse.every(1, function()\n  publish(\n", name: "broken.lua")
            let result = try run(RunningBinary.path, ["check", path])
            #expect(result.status == 1)
            #expect(result.errors.contains("broken.lua:4:"), "syntax error at the end of the file")
            #expect(!result.errors.contains("Fatal") && result.errors.split(separator: "\n").count == 1)
            let runtime = try TemporaryScript.write("local x = nil\nsse.stream(x.path)\n", name: "runtime.lua")
            let failed = try run(RunningBinary.path, ["check", runtime])
            #expect(failed.status == 1 && failed.errors.contains("runtime.lua:2: attempt to index a nil value"))
            let good = try run(RunningBinary.path, ["check", Repository.path("scripts/countdown.lua")])
            #expect(good.status == 0 && good.output.contains("countdown.lua: ok"))
        }

        @Test func startupErrorsAreOneClearLine() throws {
            let missing = try run(RunningBinary.path, ["serve", "/nonexistent/clock.lua", "--port", "0"])
            #expect(missing.status == 1)
            #expect(missing.errors == "ssescript: cannot open /nonexistent/clock.lua: No such file or directory\n")

            let topLevel = try TemporaryScript.write("sse.stream('/a')\nerror('not today')\n", name: "top.lua")
            let failed = try run(RunningBinary.path, ["serve", topLevel, "--port", "0"])
            #expect(failed.status == 1 && failed.errors.hasPrefix("ssescript: \(topLevel):2: not today"))

            let holder = try RunningBinary(["serve", Repository.path("scripts/clock.lua"), "--port", "0"])
            defer { holder.terminate() }
            let url = try #require(holder.firstLine(timeout: 30))
            let port = try #require(URLComponents(string: url)?.port)
            let busy = try run(
                RunningBinary.path, ["serve", Repository.path("scripts/clock.lua"), "--port", "\(port)"])
            #expect(busy.status == 1)
            #expect(busy.errors.contains("ssescript: cannot listen on 127.0.0.1:\(port): Address already in use"))
            #expect(!busy.errors.contains("Fatal error"))
        }

        @Test func badLimitsAndOriginsAreOneClearLine() throws {
            let clock = Repository.path("scripts/clock.lua")
            let cases: [([String], String)] = [
                (["--max-clients", "0"], "--max-clients must be at least 1."),
                (["--client-buffer", "10"], "--client-buffer must be a number of bytes, at least 1024."),
                (["--max-body=-1"], "--max-body must be a number of bytes, 0 or more."),
                (["--max-head", "10"], "--max-head must be a number of bytes, at least 256."),
                (["--io-threads", "300"], "--io-threads must be from 0 (one thread for everything) to 256."),
                (["--heartbeat", "0"], "--heartbeat must be a number of seconds greater than 0."),
                (["--history-ttl", "0"], "--history-ttl must be a number of seconds greater than 0."),
                (["--max-topics", "0"], "--max-topics must be at least 1."),
                (["--script-timeout", "0"], "--script-timeout must be a number of seconds greater than 0."),
                (["--cors", "localhost:3000"], "--cors takes an origin like http://localhost:3000"),
                (["--cors", "http://localhost:3000/"], "no path or trailing slash"),
                (
                    ["--cors", "*", "--cors", "http://localhost:3000"],
                    "--cors '*' already allows every origin; give it alone."
                ),
            ]
            for (arguments, message) in cases {
                let result = try run(RunningBinary.path, ["serve", clock, "--port", "0"] + arguments)
                #expect(result.status != 0 && result.errors.contains(message), "\(arguments): \(result.errors)")
            }
        }
    }
}
