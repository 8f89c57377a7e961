import EventStream
import NIOCore
import NIOEmbedded
import Testing

@testable import PushServer

/// The four forms of a request target (RFC 9112 §3.2), on the wire.
@Suite struct RequestTargetTests {
    @Test func formsAreTold() {
        #expect(RequestTarget("/sse?from=3") == .path("/sse", query: "from=3"))
        #expect(RequestTarget("http://example.com/sse?from=3") == .path("/sse", query: "from=3"))
        #expect(RequestTarget("HTTPS://example.com:8443/a/b") == .path("/a/b", query: nil))
        #expect(RequestTarget("http://example.com") == .path("/", query: nil), "an empty path is /")
        #expect(RequestTarget("http://example.com?x=1") == .path("/", query: "x=1"))
        #expect(RequestTarget("*") == .asterisk)
        #expect(RequestTarget("example.com:443") == .authority)
        #expect(RequestTarget("[::1]:443") == .authority)
        #expect(RequestTarget("http:///sse") == .invalid, "absolute-form needs an authority")
        #expect(RequestTarget("sse") == .invalid)
        #expect(RequestTarget("ftp://example.com/sse") == .invalid)
    }

    /// Regression: `GET http://host/sse` (what some proxies send) got 404.
    @Test func absoluteFormStreamsItsPath() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET http://example.com/sse?n=1 HTTP/1.1\r\nHost: other\r\n\r\n")
        #expect(opened == streamHead + chunk(": ok\n"))
        let client = try #require(server.application.connected.first)
        #expect(client.request.path == "/sse" && client.request.query == ["n": "1"])
        try server.hub.publish(ServerSentEvent(data: "x"), to: "/sse")
        #expect(try server.output(channel) == chunk("data: x\n\n"))
    }

    @Test func asteriskFormOptionsAnswersForTheServer() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let out = try server.exchange(channel, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(out == "HTTP/1.1 204 No Content\r\nAllow: GET, POST, OPTIONS\r\n\r\n")
        #expect(channel.isActive, "the connection goes on")
        let refused = try server.exchange(channel, "GET * HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(refused == closing("400 Bad Request", "malformed request target\n"))
    }

    @Test func connectIsNotImplementedAndCloses() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let out = try server.exchange(channel, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        #expect(out == closing("501 Not Implemented", "CONNECT is not supported: this server is not a proxy\n"))
        #expect(server.application.connected.isEmpty && server.application.requests.isEmpty)
    }
}

/// A plain response after which the server closes the connection.
private func closing(_ status: String, _ body: String) -> String {
    "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
        + "Connection: close\r\n\r\n\(body)"
}
