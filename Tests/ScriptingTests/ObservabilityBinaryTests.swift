import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// `--metrics`, `--log-format` and `--log-level` on the built binary.
    @Suite(.timeLimit(.minutes(2))) struct ObservabilityBinaryTests {
        static let script = """
            sse.stream("/feed", function(client) client:send("hello") end)
            sse.get("/fail", function() error("boom") end)
            function on_stop() local t = os.clock(); while os.clock() - t < 2 do end end
            """

        @Test func everyJSONLogLineIsAnObjectWithLevelAndMessage() async throws {
            let script = try TemporaryScript.write(Self.script)
            let server = try RunningBinary(
                [
                    "serve", script, "--port", "0", "--log-format", "json", "--log-level", "debug", "--script-timeout",
                    "5",
                ])
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30))
            let base = String(url.dropLast("/feed".count))
            #expect(try await curl(["-N", "--max-time", "1", url]) == "200")
            #expect(try await curl([base + "/nowhere"]) == "404")
            #expect(try await curl([base + "/fail"]) == "500")
            #expect(server.terminate() == 0)
            let lines = server.errors.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count >= 6, "\(server.errors)")
            var objects: [[String: Any]] = []
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["level"] is String && object?["message"] is String, "not a JSON log line: \(line)")
                #expect((object?["time"] as? String)?.hasSuffix("Z") == true)
                if let object { objects.append(object) }
            }
            let connected = try #require(objects.first { $0["message"] as? String == "client connected" })
            #expect(connected["level"] as? String == "debug" && connected["path"] as? String == "/feed")
            #expect(connected["remote"] as? String == "127.0.0.1" && connected["client"] is String)
            let left = try #require(objects.first { $0["message"] as? String == "client disconnected" })
            #expect(left["reason"] as? String == "peer")
            let refused = try #require(objects.first { $0["message"] as? String == "refused a request" })
            #expect(refused["status"] as? String == "404")
            let error = try #require(objects.first { ($0["message"] as? String)?.contains("boom") == true })
            #expect(error["level"] as? String == "error" && error["path"] as? String == "/fail")
            #expect((error["traceback"] as? String)?.hasPrefix("stack traceback:") == true)
        }

        @Test func textLogLinesHaveNoRepeatedPrefix() async throws {
            let server = try RunningBinary(["serve", Repository.path("scripts/clock.lua"), "--port", "0"])
            defer { server.terminate() }
            _ = try #require(server.firstLine(timeout: 30))
            #expect(server.terminate() == 0)
            let lines = server.errors.split(separator: "\n")
            let serving = try #require(lines.first { $0.contains("serving") })
            #expect(serving.split(separator: " ").dropFirst().first == "info", "time, level, message: \(serving)")
            #expect(!server.errors.contains("[ssescript]") && !server.errors.contains("ssescript :"))
        }

        @Test func healthzAnswers503DuringAGracefulStop() async throws {
            let port = try freePort()
            let script = try TemporaryScript.write(Self.script)
            let server = try RunningBinary(
                ["serve", script, "--port", "0", "--metrics", "127.0.0.1:\(port)", "--script-timeout", "5"])
            defer { server.terminate() }
            _ = try #require(server.firstLine(timeout: 30))
            let health = "http://127.0.0.1:\(port)/healthz"
            #expect(try await SSEClient.fetch(health).status == 200)
            #expect(try await SSEClient.fetch(health).body == "ok\n")
            server.signal(SIGTERM)  // on_stop keeps the script busy for 2 s
            let started = Date()
            var answer = (status: UInt(0), body: "")
            while Date().timeIntervalSince(started) < 1.5 {
                let response = try await SSEClient.fetch(health)
                answer = (response.status, response.body)
                if answer.status == 503 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(answer.status == 503 && answer.body == "stopping\n", "\(answer)")
            #expect(server.waitForExit() == 0)
        }

        @Test func badObservabilityOptionsAreOneClearLine() throws {
            let clock = Repository.path("scripts/clock.lua")
            let cases: [([String], String)] = [
                (["--metrics", "9090"], "--metrics takes host:port, like 127.0.0.1:9090"),
                (["--metrics", "127.0.0.1:99999"], "--metrics takes host:port"),
                (["--log-format", "xml"], "--log-format must be text or json."),
                (["--log-level", "loud"], "--log-level must be one of trace, debug, info"),
            ]
            for (arguments, message) in cases {
                let result = try run(RunningBinary.path, ["serve", clock, "--port", "0"] + arguments)
                #expect(result.status != 0 && result.errors.contains(message), "\(arguments): \(result.errors)")
            }
        }
    }
}

/// A port nobody listens on now (bound, read, closed: the server takes it next).
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { Glibc.close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            Glibc.bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
