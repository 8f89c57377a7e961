import Foundation
import NIOHTTP1
import Testing

extension Live {
    /// The server's limits and CORS, served live: each limit is a status and one line.
    @Suite(.timeLimit(.minutes(1))) struct EdgeTests {
        static let script = """
            sse.stream("/feed")
            sse.post("/echo", function(req) return 200, req.body end)
            """

        @Test func eachLimitIsAStatusAndOneLine() async throws {
            try await withLiveServer(
                script: Self.script,
                configure: {
                    $0.maxBody = 1000
                    $0.maxHead = 2048
                    $0.maxClients = 1
                }
            ) { live in
                let big = try await SSEClient.fetch(
                    live.url("/echo"), method: .POST, body: String(repeating: "b", count: 1001))
                #expect(big.status == 413 && big.body == "request body larger than 1000 bytes\n")
                #expect(try await SSEClient.fetch(live.url("/echo"), method: .POST, body: "small").body == "small")

                let raw = try RawConnection(port: live.port)
                raw.send("GET /feed HTTP/1.1\r\nX-Big: \(String(repeating: "h", count: 3000))\r\n\r\n")
                let head = raw.read(until: "bytes\n")
                #expect(head.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
                #expect(head.hasSuffix("\r\n\r\nrequest head larger than 2048 bytes\n"))

                let url = live.url("/feed")
                let holder = Task {
                    var stream = try await SSEClient.open(url)
                    return try await stream.next()
                }
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count() } == 1 }
                let refused = try await SSEClient.fetch(live.url("/feed"))
                #expect(refused.status == 503 && refused.body == "too many clients, retry later\n")
                #expect(refused.headers.first(name: "retry-after") == "5")
                holder.cancel()
            }
        }

        @Test func corsOnStreamsHandlersAndPreflightLive() async throws {
            try await withLiveServer(script: Self.script) { live in
                let local = [("Origin", "http://localhost:5173")]
                let stream = try await SSEClient.open(live.url("/feed"), headers: local)
                #expect(stream.headers.first(name: "access-control-allow-origin") == "http://localhost:5173")
                #expect(stream.headers.first(name: "vary") == "Origin")
                let foreign = try await SSEClient.open(live.url("/feed"), headers: [("Origin", "https://evil.example")])
                #expect(foreign.status == 200 && foreign.headers.first(name: "access-control-allow-origin") == nil)

                let echoed = try await SSEClient.fetch(live.url("/echo"), method: .POST, headers: local, body: "x")
                #expect(echoed.headers.first(name: "access-control-allow-origin") == "http://localhost:5173")
                let blocked = try await SSEClient.fetch(
                    live.url("/echo"), method: .POST, headers: [("Origin", "https://evil.example")], body: "x")
                #expect(blocked.status == 200 && blocked.headers.first(name: "access-control-allow-origin") == nil)

                let preflight = try await SSEClient.fetch(
                    live.url("/echo"), method: .OPTIONS,
                    headers: local + [
                        ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type"),
                    ])
                #expect(preflight.status == 204)
                #expect(preflight.headers.first(name: "access-control-allow-origin") == "http://localhost:5173")
                #expect(preflight.headers.first(name: "access-control-allow-methods") == "POST")
                #expect(preflight.headers.first(name: "access-control-allow-headers") == "content-type, Last-Event-ID")
                #expect(preflight.headers.first(name: "access-control-max-age") == "600")
            }
        }
    }
}
