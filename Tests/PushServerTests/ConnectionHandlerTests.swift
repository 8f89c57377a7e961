import EventStream
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PushServer

#if canImport(Glibc)
    import Glibc
#endif

/// The connection handler on `EmbeddedChannel`: exact bytes on the wire.
@Suite struct ConnectionHandlerTests {
    @Test func streamGetsItsHeadAndFirstCommentThenFramedEvents() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(opened == streamHead + chunk(": ok\n"))
        let client = try #require(server.application.connected.first)
        #expect(client.state == .open && client.request.path == "/sse")
        #expect(try server.hub.publish(ServerSentEvent(data: "a\nb", event: "tick", id: "7"), to: "/sse") == 1)
        #expect(try server.output(channel) == chunk("event: tick\nid: 7\ndata: a\ndata: b\n\n"))
    }

    @Test func http10StreamIsCloseDelimited() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.0\r\n\r\n")
        #expect(opened.hasPrefix("HTTP/1.0 200 OK\r\n") && opened.contains("Connection: close\r\n"))
        #expect(!opened.contains("chunked") && opened.hasSuffix("\r\n\r\n: ok\n"))
        _ = try server.hub.broadcast(ServerSentEvent(data: "x"))
        #expect(try server.output(channel) == "data: x\n\n")
    }

    @Test func refusalsAreOneLineAndKeepTheConnection() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let out = try server.exchange(
            channel,
            "GET /nope HTTP/1.1\r\n\r\nDELETE /sse HTTP/1.1\r\n\r\nGET /post HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
        #expect(
            out == plain("404 Not Found", "no stream or handler at /nope\n")
                + plain("405 Method Not Allowed", "DELETE is not allowed on /sse\n", headers: "Allow: GET, POST\r\n")
                + plain("405 Method Not Allowed", "GET is not allowed on /post\n", headers: "Allow: POST\r\n"))
        #expect(channel.isActive)
    }

    @Test func handlerRequestsWaitForTheirResponseAndPipeline() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        #expect(
            try server.exchange(
                channel,
                "POST /post HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiPOST /post HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                == "")
        #expect(server.application.requests.count == 1)
        let (request, exchange) = server.application.requests[0]
        #expect(String(buffer: request.body) == "hi")
        server.hub.respond(to: exchange, with: Response(status: .noContent))
        #expect(try server.output(channel) == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(server.application.requests.count == 2, "the pipelined request is read once the first is answered")
    }

    @Test func oversizedBodyIs413AndCloses() throws {
        let server = EmbeddedServer { $0.maxBody = 4 }
        let announced = try server.connect()
        let out = try server.exchange(announced, "POST /post HTTP/1.1\r\nContent-Length: 5\r\n\r\n")
        #expect(
            out.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n") && out.hasSuffix("request body larger than 4 bytes\n"))
        #expect(!announced.isActive)
        let chunked = try server.connect()
        let streamed = try server.exchange(
            chunked, "POST /post HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n")
        #expect(streamed.hasPrefix("HTTP/1.1 413 "))
        #expect(!chunked.isActive)
    }

    @Test func oversizedHeadIs431AndMalformedIs400() throws {
        let server = EmbeddedServer { $0.maxHead = 256 }
        let big = try server.connect()
        let out = try server.exchange(big, "GET /sse HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 400))\r\n\r\n")
        #expect(out.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(out.hasSuffix("request head larger than 256 bytes\n") && !big.isActive)
        let garbage = try server.connect()
        let refused = try server.exchange(garbage, "\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n")
        #expect(refused.hasPrefix("HTTP/1.1 400 Bad Request\r\n") && refused.hasSuffix("malformed HTTP request\n"))
        #expect(!garbage.isActive)
    }

    @Test func idleStreamGetsHeartbeats() throws {
        let server = EmbeddedServer { $0.heartbeat = .seconds(2) }
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        server.loop.advanceTime(by: .milliseconds(1500))
        #expect(try server.output(channel) == "")
        server.loop.advanceTime(by: .seconds(1))
        #expect(try server.output(channel) == chunk(": heartbeat\n"))
        _ = try server.hub.broadcast(ServerSentEvent(data: "x"))
        server.loop.advanceTime(by: .milliseconds(1500))
        #expect(try server.output(channel) == chunk("data: x\n\n"), "a write resets the idle time")
    }

    /// A stream's own `heartbeat` option wins over the server's; the server's
    /// default is 15 s.
    @Test func aStreamsHeartbeatOptionAndTheDefault() throws {
        let server = EmbeddedServer(
            routes: RouteTable(streams: ["/sse": StreamOptions(), "/fast": StreamOptions(heartbeat: .seconds(1))]))
        #expect(server.configuration.heartbeat == .seconds(15))
        let fast = try server.connect()
        let idle = try server.connect()
        _ = try server.exchange(fast, "GET /fast HTTP/1.1\r\n\r\n")
        _ = try server.exchange(idle, "GET /sse HTTP/1.1\r\n\r\n")
        server.loop.advanceTime(by: .milliseconds(1300))
        #expect(try server.output(fast) == chunk(": heartbeat\n"))
        #expect(try server.output(idle) == "")
        server.loop.advanceTime(by: .milliseconds(13_400))
        #expect(try server.output(idle) == "", "14.7 s")
        server.loop.advanceTime(by: .milliseconds(600))
        #expect(try server.output(idle) == chunk(": heartbeat\n"), "15.3 s")
        #expect(try server.output(fast) == String(repeating: chunk(": heartbeat\n"), count: 14))
    }

    @Test func incompleteRequestIsTimedOut() throws {
        let server = EmbeddedServer { $0.requestTimeout = .seconds(5) }
        let partialHead = try server.connect()
        #expect(try server.exchange(partialHead, "GET /sse HTTP/1.1\r\nHost: slo") == "")
        let slowBody = try server.connect()
        #expect(try server.exchange(slowBody, "POST /post HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc") == "")
        let idle = try server.connect()
        server.loop.advanceTime(by: .seconds(4))
        #expect(partialHead.isActive && slowBody.isActive && idle.isActive)
        server.loop.advanceTime(by: .seconds(2))
        #expect(try server.output(partialHead) == "" && !partialHead.isActive, "closed, like nginx's header timeout")
        #expect(
            try server.output(slowBody)
                == "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 30\r\n"
                + "Connection: close\r\n\r\nrequest not completed in time\n")
        #expect(!slowBody.isActive)
        #expect(!idle.isActive, "an idle connection is closed too")
    }

    @Test func denyAnswersInsteadOfStreaming() throws {
        let server = EmbeddedServer()
        server.application.onConnect = { hub, client in hub.deny(client, status: .unauthorized, message: "who are you?")
        }
        let channel = try server.connect()
        let out = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        #expect(out == plain("401 Unauthorized", "who are you?\n"))
        #expect(server.hub.count() == 0 && channel.isActive)
    }

    /// Regression: a write error closes the channel before the peer's EOF is read;
    /// the hub must still hear that the client is gone.
    @Test func streamClosedByAWriteErrorIsReportedGone() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        #expect(server.hub.count() == 1)
        channel.pipeline.fireErrorCaught(IOError(errnoCode: EPIPE, reason: "write"))
        server.loop.run()
        #expect(!channel.isActive)
        #expect(server.hub.count() == 0)
        #expect(server.application.disconnected == [server.application.connected[0].id])
    }

    /// A stream the script ends leaves its kept-alive connection ready for the
    /// next request (as nginx does after a chunked response), under a new id.
    @Test func closeEndsTheChunkedBodyAndTheConnectionServesTheNextRequest() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        server.hub.close(server.application.connected[0])
        #expect(try server.output(channel) == "0\r\n\r\n")
        #expect(channel.isActive)
        #expect(server.application.disconnected.isEmpty, "the application closed it itself")
        #expect(try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n") == streamHead + chunk(": ok\n"))
        #expect(server.application.connected.count == 2)
        #expect(server.application.connected[0].id != server.application.connected[1].id, "a new client id")
        #expect(server.hub.count() == 1)
    }

    /// A request that asked for `Connection: close` is told so in the stream's
    /// head, and the connection closes after the end of the stream.
    @Test func aStreamAskedToCloseSaysSoAndCloses() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(opened.contains("\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"))
        server.hub.close(server.application.connected[0])
        #expect(try server.output(channel) == "0\r\n\r\n")
        #expect(!channel.isActive)
    }

    /// Parts of a request sent while a stream is open wait for its end.
    @Test func aRequestPipelinedBehindAStreamIsReadAfterIt() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        #expect(try server.exchange(channel, "GET /nope HTTP/1.1\r\n\r\n") == "")
        server.hub.close(server.application.connected[0])
        #expect(try server.output(channel) == "0\r\n\r\n" + plain("404 Not Found", "no stream or handler at /nope\n"))
        #expect(channel.isActive)
    }
}

/// The hub hears of every stream that goes, however its connection ends.
@Suite struct StreamDepartureTests {
    /// Found by the fuzzer (Fuzz/HTTPRequest): bytes that do not parse, sent after
    /// a stream's request, closed the connection without telling the hub, which
    /// kept the client (in `sse.clients()`, its topics, its broadcasts) for ever.
    @Test func garbageAfterAStreamRequestClosesItAndTheHubForgetsTheClient() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        #expect(server.hub.count() == 1)
        _ = try? server.exchange(channel, "OPost:3000\r\n\r\n")
        server.loop.advanceTime(by: .seconds(3))
        #expect(!channel.isActive)
        #expect(server.hub.count() == 0, "the client is gone from the hub")
        #expect(server.application.disconnected.count == 1, "and the application heard it")
        #expect(server.state.streamSlotsTaken == 0)
    }
}
