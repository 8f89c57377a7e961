import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PushServer

/// An open stream's connection holds no request decoder until its client sends
/// something (its `DecoderSlot` is empty), and goes on as if it had held one.
@Suite struct DormantDecoderTests {
    private func hasDecoder(_ channel: EmbeddedChannel) -> Bool {
        (try? channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)) != nil
    }

    private func isDormant(_ channel: EmbeddedChannel) -> Bool {
        (try? channel.pipeline.syncOperations.handler(type: DecoderSlot.self))?.isEmpty == true
    }

    @Test func theDecoderSleepsWhileAStreamIsOpenAndWakesForTheNextRequest() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        #expect(try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n") == streamHead + chunk(": ok\n"))
        #expect(!hasDecoder(channel) && isDormant(channel))
        // A request pipelined behind the stream brings the decoder back and waits for the stream's end.
        #expect(try server.exchange(channel, "GET /nope HTTP/1.1\r\n\r\n") == "")
        #expect(hasDecoder(channel) && !isDormant(channel))
        server.hub.close(server.application.connected[0])
        #expect(try server.output(channel) == "0\r\n\r\n" + plain("404 Not Found", "no stream or handler at /nope\n"))
        // The next stream on the kept-alive connection puts it to sleep again.
        #expect(try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n") == streamHead + chunk(": ok\n"))
        #expect(!hasDecoder(channel) && isDormant(channel))
        #expect(channel.isActive && server.hub.count() == 1)
    }

    /// A stream's connection that has parts of a next request waiting keeps its decoder.
    @Test func aPipelinedRequestBeforeTheStreamOpensKeepsTheDecoder() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n")
        #expect(opened == streamHead + chunk(": ok\n"))
        #expect(hasDecoder(channel) && !isDormant(channel))
        server.hub.close(server.application.connected[0])
        #expect(try server.output(channel) == "0\r\n\r\n" + plain("404 Not Found", "no stream or handler at /nope\n"))
    }

    /// Part of a next request, sent with the stream's request, is what the decoder
    /// held when it went to sleep: it cannot be parsed without it, so the
    /// connection closes as for a request that does not parse, and the hub hears it.
    @Test func aRequestCutInTwoBehindAStreamClosesTheConnection() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\nHost: x")
        server.loop.advanceTime(by: .seconds(3))
        #expect(!channel.isActive)
        #expect(server.hub.count() == 0, "the client is gone from the hub")
        #expect(server.application.disconnected.count == 1)
        #expect(server.state.streamSlotsTaken == 0)
    }
}
