import EventStream
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PushServer

/// Which origins may read streams and responses, and the preflight.
@Suite struct CORSTests {
    @Test func theDefaultAllowsLoopbackOriginsOnly() {
        let policy = CORSPolicy.loopback
        for origin in [
            "http://localhost", "http://localhost:5173", "https://localhost:8443", "http://127.0.0.1:3000",
            "http://[::1]:8080", "HTTP://LOCALHOST:3000",
        ] {
            #expect(policy.allows(origin), "\(origin)")
        }
        for origin in [
            "https://example.com", "http://localhost.example.com", "http://127.0.0.1.nip.io", "http://localhost:",
            "http://localhost:80/path", "http://localhost:abc", "null", "file://", "ws://localhost:3000",
            "http://user@localhost",
        ] {
            #expect(!policy.allows(origin), "\(origin)")
        }
    }

    @Test func explicitOriginsMatchExactlyAndStarAllowsAll() {
        let explicit = CORSPolicy.origins(["https://app.example.com"])
        #expect(explicit.allows("https://app.example.com"))
        #expect(!explicit.allows("https://app.example.com:443") && !explicit.allows("http://localhost:3000"))
        #expect(explicit.headers(origin: "https://app.example.com").map(\.1) == ["https://app.example.com", "Origin"])
        #expect(
            CORSPolicy.anyOrigin.headers(origin: "https://x.org").map { "\($0.0): \($0.1)" } == [
                "Access-Control-Allow-Origin: *"
            ])
        #expect(CORSPolicy.isValidOrigin("http://localhost:3000") && CORSPolicy.isValidOrigin("*"))
        #expect(!CORSPolicy.isValidOrigin("http://localhost:3000/") && !CORSPolicy.isValidOrigin("localhost:3000"))
    }

    @Test func streamFromAnAllowedOriginGetsItsOriginEchoed() throws {
        let server = EmbeddedServer()
        let allowed = try server.connect()
        let opened = try server.exchange(allowed, "GET /sse HTTP/1.1\r\nOrigin: http://localhost:5173\r\n\r\n")
        #expect(
            opened.hasPrefix(
                streamHead.dropLast(1) + "Access-Control-Allow-Origin: http://localhost:5173\r\nVary: Origin\r\n\r\n"))
        let other = try server.connect()
        let refused = try server.exchange(other, "GET /sse HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n")
        #expect(refused == streamHead + chunk(": ok\n"), "no CORS header: the browser keeps the stream from the page")
    }

    @Test func handlerResponsesAndRefusalsCarryCORSToo() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(
            channel, "POST /post HTTP/1.1\r\nOrigin: http://127.0.0.1:3000\r\nContent-Length: 0\r\n\r\n")
        server.hub.respond(to: server.application.requests[0].1, with: Response(status: .ok, text: "hi"))
        let answered = try server.output(channel)
        #expect(answered.contains("Access-Control-Allow-Origin: http://127.0.0.1:3000\r\nVary: Origin\r\n"))
        let missing = try server.exchange(channel, "GET /nope HTTP/1.1\r\nOrigin: http://127.0.0.1:3000\r\n\r\n")
        #expect(
            missing.hasPrefix("HTTP/1.1 404 ")
                && missing.contains("Access-Control-Allow-Origin: http://127.0.0.1:3000\r\n"))
        let evil = try server.exchange(channel, "GET /nope HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n")
        #expect(evil.hasPrefix("HTTP/1.1 404 ") && !evil.contains("Access-Control"))
        server.application.onConnect = { hub, client in hub.deny(client, status: .unauthorized, message: "no") }
        let denied = try server.exchange(channel, "GET /sse HTTP/1.1\r\nOrigin: http://localhost:3000\r\n\r\n")
        #expect(
            denied.hasPrefix("HTTP/1.1 401 ")
                && denied.contains("Access-Control-Allow-Origin: http://localhost:3000\r\n"))
    }

    /// The server's own refusals carry CORS too, so a page can read why: 405,
    /// 413 and 503 with the allowed origin echoed.
    @Test func limitRefusalsCarryCORS() throws {
        let server = EmbeddedServer {
            $0.maxBody = 4
            $0.maxClients = 1
        }
        let cors = "Access-Control-Allow-Origin: http://localhost:5173\r\nVary: Origin\r\n"
        let origin = "Origin: http://localhost:5173\r\n"
        let channel = try server.connect()
        #expect(
            try server.exchange(channel, "DELETE /sse HTTP/1.1\r\n\(origin)\r\n")
                == plain(
                    "405 Method Not Allowed", "DELETE is not allowed on /sse\n", headers: "Allow: GET, POST\r\n" + cors)
        )
        #expect(try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK\r\n"))
        let second = try server.connect()
        #expect(
            try server.exchange(second, "GET /sse HTTP/1.1\r\n\(origin)\r\n")
                == plain(
                    "503 Service Unavailable", "too many clients, retry later\n", headers: "Retry-After: 5\r\n" + cors))
        let large = try server.connect()
        let tooLarge = try server.exchange(large, "POST /post HTTP/1.1\r\n\(origin)Content-Length: 5\r\n\r\n")
        #expect(
            tooLarge
                == "HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n\(cors)"
                + "Content-Length: 33\r\nConnection: close\r\n\r\nrequest body larger than 4 bytes\n")
    }

    @Test func aScriptsOwnAllowOriginWins() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(
            channel, "POST /post HTTP/1.1\r\nOrigin: http://localhost:3000\r\nContent-Length: 0\r\n\r\n")
        let response = Response(status: .noContent, headers: [("Access-Control-Allow-Origin", "https://mine.example")])
        server.hub.respond(to: server.application.requests[0].1, with: response)
        #expect(
            try server.output(channel)
                == "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://mine.example\r\n\r\n")
    }

    @Test func preflightAnswersWithThePathsMethods() throws {
        let server = EmbeddedServer(
            routes: RouteTable(streams: ["/sse": StreamOptions()], handlers: ["/sse": ["PUT"], "/post": ["POST"]]))
        let channel = try server.connect()
        let preflight = try server.exchange(
            channel,
            "OPTIONS /post HTTP/1.1\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\n"
                + "Access-Control-Request-Headers: content-type, x-token\r\n\r\n")
        #expect(
            preflight
                == "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: http://localhost:5173\r\nVary: Origin\r\n"
                + "Access-Control-Allow-Methods: POST\r\nAccess-Control-Allow-Headers: content-type, x-token, Last-Event-ID\r\n"
                + "Access-Control-Max-Age: 600\r\n\r\n")
        let stream = try server.exchange(
            channel,
            "OPTIONS /sse HTTP/1.1\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: GET\r\n\r\n")
        #expect(stream.contains("Access-Control-Allow-Methods: GET, POST, PUT\r\n"))
        #expect(stream.contains("Access-Control-Allow-Headers: Last-Event-ID\r\n"))
        let evil = try server.exchange(
            channel,
            "OPTIONS /post HTTP/1.1\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n")
        #expect(evil == "HTTP/1.1 204 No Content\r\n\r\n", "no CORS headers: the browser blocks the request")
        let plainOptions = try server.exchange(channel, "OPTIONS /post HTTP/1.1\r\n\r\n")
        #expect(plainOptions == "HTTP/1.1 204 No Content\r\nAllow: POST, OPTIONS\r\n\r\n")
        let unknown = try server.exchange(channel, "OPTIONS /nope HTTP/1.1\r\nOrigin: http://localhost:5173\r\n\r\n")
        #expect(unknown.hasPrefix("HTTP/1.1 404 "))
        #expect(channel.isActive)
    }

    @Test func starSendsStarWithoutVary() throws {
        let server = EmbeddedServer { $0.cors = .anyOrigin }
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\nOrigin: https://anywhere.example\r\n\r\n")
        #expect(opened == streamHead.dropLast(1) + "Access-Control-Allow-Origin: *\r\n\r\n" + chunk(": ok\n"))
    }
}
