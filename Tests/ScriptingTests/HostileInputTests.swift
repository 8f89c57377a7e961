import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Live {
    /// Hostile requests against the real binary, with a bystander stream throughout;
    /// file descriptors and memory are read from the server's own process.
    @Suite(.timeLimit(.minutes(2))) struct HostileInputTests {
        static let script = """
            \(Bystander.script)
            sse.stream("/s")
            sse.get("/echo", function(req) return 200, req.query.name or "" end)
            sse.post("/post", function(req) return 200, tostring(#req.body) end)
            sse.get("/status", function() return 200, tostring(sse.clients("/s")) end)
            """

        /// The binary serving `script`, and a bystander already reading `/tick`.
        struct Setup {
            let server: RunningBinary
            let base: String
            let port: Int
            let bystander: EventCollector
        }

        static func start() async throws -> Setup {
            let server = try RunningBinary(["serve", try TemporaryScript.write(script), "--port", "0", "--no-watch"])
            let url = try #require(server.firstLine(timeout: 30))
            let base = String(url.dropLast("/s".count))
            let bystander = EventCollector(base + "/tick")
            try await bystander.waitFor { $0.count >= 2 }
            return Setup(
                server: server, base: base, port: try #require(URLComponents(string: base)?.port), bystander: bystander)
        }

        @Test func eachMalformedRequestGetsACleanAnswerAndOthersAreServed() async throws {
            let setup = try await Self.start()
            defer { setup.server.terminate() }
            let (base, port, bystander) = (setup.base, setup.port, setup.bystander)
            let malformed = Self.refusal("400 Bad Request", "malformed HTTP request")
            let cases: [(String, [UInt8], String)] = [
                ("garbage request line", Array("\u{0}\u{1}NOT HTTP\r\n\r\n".utf8), malformed),
                ("no version", Array("GET /s\r\n\r\n".utf8), malformed),
                ("invalid header", Array("GET /s HTTP/1.1\r\nNo colon here\r\n\r\n".utf8), malformed),
                ("CR inside a header value", Array("GET /s HTTP/1.1\r\nX: a\rb\r\n\r\n".utf8), malformed),
                ("LF inside a header value", Array("GET /s HTTP/1.1\r\nX: a\nInjected: b\r\n\r\n".utf8), malformed),
                (
                    "two different lengths",
                    Array("POST /post HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".utf8), malformed
                ),
                (
                    "absurd length",
                    Array("POST /post HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n".utf8), malformed
                ),
                (
                    "length over the default --max-body",
                    Array("POST /post HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n".utf8),
                    Self.refusal("413 Payload Too Large", "request body larger than 1048576 bytes")
                ),
                (
                    "100 KB target, over the default --max-head",
                    Array("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\n\r\n".utf8),
                    Self.refusal("431 Request Header Fields Too Large", "request head larger than 16384 bytes")
                ),
                (
                    "1 MB of headers",
                    Array("GET /s HTTP/1.1\r\n\(String(repeating: "X-A: b\r\n", count: 130_000))\r\n".utf8),
                    Self.refusal("431 Request Header Fields Too Large", "request head larger than 16384 bytes")
                ),
                (
                    "raw invalid UTF-8 in the path",
                    [0x47, 0x45, 0x54, 0x20, 0x2F, 0xFF, 0xFE] + Array(" HTTP/1.1\r\n\r\n".utf8), malformed
                ),
                (
                    "bad chunked body",
                    Array("POST /post HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8), malformed
                ),
            ]
            for (name, bytes, expected) in cases {
                let connection = try RawConnection(port: port)
                connection.send(bytes)
                // Read to the end: the whole answer, one line of text, then the close.
                let answer = connection.read(seconds: 5)
                #expect(answer == expected, "\(name): \(answer.prefix(200).debugDescription)")
                #expect(connection.isClosedByPeer(within: 2), "\(name): the connection is closed")
                connection.close()
            }
            let echoed = try await SSEClient.fetch(base + "/echo?name=%FF%FEok")
            #expect(
                echoed.status == 200 && echoed.body == "\u{FFFD}\u{FFFD}ok",
                "invalid UTF-8 in a query decodes with replacements")
            try await Bystander.expectOnTime(bystander)
        }

        @Test func aBoundedFuzzLeavesNoDescriptorsOrMemoryBehind() async throws {
            let setup = try await Self.start()
            defer { setup.server.terminate() }
            let (server, base, port, bystander) = (setup.server, setup.base, setup.port, setup.bystander)
            try await Self.exchangeMany(port: port, count: 200) { _, _ in
                Array("GET /echo?name=warm HTTP/1.1\r\n\r\n".utf8)
            }
            let (descriptors, memory) = try await Self.settledUsage(of: server, base: base)

            let valid = [
                "GET /s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nLast-Event-ID: 7\r\n\r\n",
                "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                "GET /echo?name=a%20b&x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /post HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            ].map { Array($0.utf8) }
            try await Self.exchangeMany(port: port, count: 2000) { index, random in
                var bytes = valid[index % valid.count]
                switch index % 4 {
                case 0:  // random bytes
                    return (0..<Int(random.next() % 600 + 1)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                case 1:  // flipped bytes
                    for _ in 0..<Int(random.next() % 6 + 1) {
                        bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 << (random.next() % 8))
                    }
                case 2:  // inserted CR, LF, NUL, 0xFF, ':' or ' '
                    for _ in 0..<Int(random.next() % 4 + 1) {
                        let junk: [UInt8] = [13, 10, 0, 0xFF, 58, 32]
                        bytes.insert(junk[Int(random.next() % 6)], at: Int(random.next() % UInt64(bytes.count)))
                    }
                default:  // cut short
                    bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
                }
                return bytes
            }

            let (descriptorsAfter, memoryAfter) = try await Self.settledUsage(
                of: server, base: base, settlingTo: (descriptors, memory + 8 << 10))
            // Not more than before (the count before may still hold a connection that was closing).
            #expect(
                descriptorsAfter <= descriptors, "open descriptors: \(descriptors) before, \(descriptorsAfter) after")
            #expect(memoryAfter < memory + 8 << 10, "RSS: \(memory) KiB before, \(memoryAfter) KiB after")
            #expect(try await SSEClient.fetch(base + "/echo?name=still").body == "still")
            try await Bystander.expectOnTime(bystander)
        }

        @Test func tenThousandConnectDisconnectCyclesReturnToBaseline() async throws {
            let setup = try await Self.start()
            defer { setup.server.terminate() }
            let (server, base, port, bystander) = (setup.server, setup.base, setup.port, setup.bystander)
            let stream = Array("GET /s HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            try await Self.exchangeMany(port: port, count: 200, until: ": ok\n") { _, _ in stream }
            let (descriptors, memory) = try await Self.settledUsage(of: server, base: base)

            try await Self.exchangeMany(port: port, count: 10_000, until: ": ok\n") { _, _ in stream }

            let (descriptorsAfter, memoryAfter) = try await Self.settledUsage(
                of: server, base: base, settlingTo: (descriptors, memory + memory / 10))
            // Not more than before (the count before may still hold a connection that was closing).
            #expect(
                descriptorsAfter <= descriptors, "open descriptors: \(descriptors) before, \(descriptorsAfter) after")
            #expect(Double(memoryAfter) <= Double(memory) * 1.10, "RSS: \(memory) KiB before, \(memoryAfter) KiB after")
            #expect(
                try await SSEClient.fetch(base + "/status").body == "0",
                "every stream client is gone (also checked while settling)")
            try await Bystander.expectOnTime(bystander)
        }

        // MARK: Helpers

        /// A refusal as the server writes it: the status, one line of text, and the close.
        static func refusal(_ status: String, _ message: String) -> String {
            "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(message.utf8.count + 1)\r\n"
                + "Connection: close\r\n\r\n\(message)\n"
        }

        /// Opens `count` connections, four at a time: each sends its bytes, reads the
        /// answer (up to `until`, or to the close after a half-close), then resets.
        static func exchangeMany(
            port: Int, count: Int, until marker: String? = nil,
            _ bytes: @escaping @Sendable (Int, inout SplitMix) -> [UInt8]
        ) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        try await onOwnThread {
                            var random = SplitMix(seed: UInt64(worker + 1))
                            for index in stride(from: worker, to: count, by: 4) {
                                let connection = try RawConnection(port: port)
                                connection.setReadTimeout(seconds: 2)
                                connection.send(bytes(index, &random))
                                if marker == nil { connection.shutdownWrite() }
                                _ = connection.read(until: marker, seconds: 2)
                                connection.close(reset: true)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }

        /// The server's open descriptors and RSS (KiB), read from its own process
        /// once it has settled: its stream count back to 0 and, when given, its
        /// descriptors back to `descriptors` and its RSS to `memory` KiB or less
        /// (waited for, up to 5 s: the last connections may still be closing, freed
        /// memory may still be going back).
        static func settledUsage(
            of server: RunningBinary, base: String, settlingTo target: (descriptors: Int, memory: Int)? = nil
        ) async throws -> (descriptors: Int, memory: Int) {
            // Asked over a connection of its own that closes, so no pooled connection skews the count.
            let port = URLComponents(string: base)!.port!
            func streams() throws -> String {
                let connection = try RawConnection(port: port)
                connection.send("GET /status HTTP/1.1\r\nConnection: close\r\n\r\n")
                return String(connection.read().split(separator: "\r\n\r\n").last ?? "")
            }
            try await waitUntil { try streams() == "0" }
            if let target {
                try? await waitUntil(seconds: 5) {
                    server.openDescriptors <= target.descriptors && server.residentKilobytes <= target.memory
                }
            }
            return (server.openDescriptors, server.residentKilobytes)
        }
    }
}
