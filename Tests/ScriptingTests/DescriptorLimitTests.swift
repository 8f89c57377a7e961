import Foundation
import Testing

extension Live {
    /// Running out of file descriptors: connections past what they leave room for
    /// get a clear `503`, never silence; when `accept` fails anyway (the script holds
    /// descriptors too), one warning, and serving goes on once some are freed.
    @Suite(.serialized) struct DescriptorLimitTests {
        static let script = """
            sse.stream("/sse")
            local files = {}
            -- opens /dev/null until the process has no descriptor left
            sse.post("/hog", function()
              while true do
                local file = io.open("/dev/null")
                if not file then break end
                files[#files + 1] = file
              end
              return 200, tostring(#files)
            end)
            sse.post("/release", function()
              for _, file in ipairs(files) do file:close() end
              files = {}
              return 204
            end)
            """

        /// Opens `count` connections and asks each for a stream; returns the status
        /// line of each answer ("" for none within a second), keeping them open.
        static func openStreams(port: Int, count: Int) throws -> (answers: [String], connections: [RawConnection]) {
            var answers: [String] = []
            var connections: [RawConnection] = []
            for _ in 0..<count {
                let connection = try RawConnection(port: port)
                connection.setReadTimeout(seconds: 1)
                connection.send("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n")
                let answer = connection.read(until: "\r\n", seconds: 1)
                answers.append(answer.components(separatedBy: "\r\n").first ?? "")
                connections.append(connection)
            }
            return (answers, connections)
        }

        /// Regression: `--max-clients` defaulted to 100,000 while the process could open
        /// 20,000 descriptors; past them, connections waited in the backlog unanswered.
        @Test(.timeLimit(.minutes(1)))
        func maxClientsPastTheDescriptorLimitAnswers503() async throws {
            let path = try TemporaryScript.write(Self.script)
            let server = try RunningBinary(
                ["serve", path, "--port", "0", "--no-watch", "--max-clients", "100000"], descriptors: 128)
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30))
            let port = try #require(URLComponents(string: url)?.port)
            let answers = try await onOwnThread { try Self.openStreams(port: port, count: 160).answers }
            let streams = answers.filter { $0 == "HTTP/1.1 200 OK" }.count
            let refused = answers.filter { $0 == "HTTP/1.1 503 Service Unavailable" }.count
            #expect(streams + refused == 160, "every connection is answered: \(Set(answers))")
            #expect(streams > 60 && refused > 0, "\(streams) streams, \(refused) refused")
            #expect(
                answers.prefix(streams).allSatisfy { $0 == "HTTP/1.1 200 OK" }, "the refusals come after the streams")
            let log = server.errors
            #expect(log.contains("at most 100000 streams are allowed, but the descriptor limit (ulimit -n 128)"))
            #expect(log.components(separatedBy: "refusing connections with 503").count == 2, "one warning: \(log)")
            #expect(!log.contains("cannot accept"), "accept never ran out of descriptors")
        }

        @Test(.timeLimit(.minutes(1)))
        func whenAcceptRunsOutOfDescriptorsOneWarningAndServingGoesOn() async throws {
            let path = try TemporaryScript.write(Self.script)
            let server = try RunningBinary(["serve", path, "--port", "0", "--no-watch"], descriptors: 128)
            defer { server.terminate() }
            let url = try #require(server.firstLine(timeout: 30))
            let port = try #require(URLComponents(string: url)?.port)
            let (hogged, waited, served, released, spent) = try await onOwnThread {
                let control = try RawConnection(port: port)
                control.send("POST /hog HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                let hogged = control.read(until: "\r\n\r\n", seconds: 5)
                let before = server.cpuSeconds
                let waiting = try RawConnection(port: port)  // in the kernel's backlog: accept fails
                waiting.send("GET /sse HTTP/1.1\r\nHost: x\r\n\r\n")
                let waited = waiting.read(until: "\r\n", seconds: 1.5)
                let spent = server.cpuSeconds - before
                control.send("POST /release HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                let released = control.read(until: "204 No Content", seconds: 5)
                return (hogged, waited, waiting.read(until: ": ok", seconds: 5), released, spent)
            }
            #expect(hogged.hasPrefix("HTTP/1.1 200 OK"), "\(hogged)")
            #expect(waited.isEmpty, "no descriptor to accept it with: \(waited)")
            #expect(released.contains("204 No Content"))
            #expect(served.hasPrefix("HTTP/1.1 200 OK") && served.contains(": ok"), "then it is served: \(served)")
            let log = server.errors
            let warnings = log.components(separatedBy: "cannot accept connections: Too many open files").count - 1
            #expect(warnings == 1, "one warning for the burst: \(log)")
            #expect(log.contains("accepting connections again"))
            #expect(spent < 0.5, "the server did not spin on accept meanwhile: \(spent) s of CPU in 1.5 s")
        }
    }
}
