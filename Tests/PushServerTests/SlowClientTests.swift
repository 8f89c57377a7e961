import EventStream
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PushServer

/// A stream that does not take its bytes is disconnected, never buffered
/// without bound, and costs the other streams nothing.
@Suite struct SlowClientTests {
    /// Streams whose requests asked for `Connection: close`, so that ending one
    /// closes its connection.
    private func openStreams(_ server: EmbeddedServer, _ count: Int) throws -> [EmbeddedChannel] {
        try (0..<count).map { _ in
            let channel = try server.connect()
            _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\nConnection: close\r\n\r\n")
            return channel
        }
    }

    private func stall(_ channel: EmbeddedChannel) {
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
    }

    @Test func overTwiceItsBudgetItIsClosedAfterTheBatch() throws {
        let server = EmbeddedServer { $0.clientBuffer = 400 }
        let channels = try openStreams(server, 3)
        let slow = channels[1]
        try slow.pipeline.syncOperations.addHandler(StalledPeer(), position: .first)
        stall(slow)
        let events = (1...4).map { ServerSentEvent(data: String(repeating: "\($0)", count: 250)) }
        let chunks = events.map { chunk("data: \($0.data!)\n\n") }
        let expected = chunks.joined()
        // One batch of 3 × 265 bytes: under twice the budget (800) once flushed.
        for event in events.prefix(3) { try server.hub.publish(event, to: "/sse") }
        #expect(try server.output(channels[0]) == chunks.prefix(3).joined())
        #expect(slow.isActive)
        // The next batch leaves 1060 bytes waiting: closed once the batch is done.
        try server.hub.publish(events[3], to: "/sse")
        #expect(try server.output(channels[0]) == chunks[3])
        #expect(try server.output(channels[2]) == expected, "the others get every event")
        #expect(!slow.isActive)
        #expect(server.state.slowClients.load(ordering: .relaxed) == 1)
        #expect(server.hub.count() == 2, "the hub hears it is gone")
        #expect(server.application.disconnected.count == 1)
    }

    @Test func aBigBatchTheClientTakesIsNotSlow() throws {
        let server = EmbeddedServer { $0.clientBuffer = 100 }
        let channels = try openStreams(server, 1)
        stall(channels[0])  // over its budget, but the peer takes what is flushed
        for n in 1...5 {
            try server.hub.publish(ServerSentEvent(data: String(repeating: "\(n)", count: 250)), to: "/sse")
        }
        #expect(try server.output(channels[0]).utf8.count == 5 * 265)
        #expect(channels[0].isActive)
    }

    /// Regression: a stream closed while over its budget was closed at once,
    /// dropping its last events and the end of its body.
    @Test func closeWaitsForAClientThatIsBehind() throws {
        let server = EmbeddedServer()
        let channel = try openStreams(server, 1)[0]
        let peer = StalledPeer()
        try channel.pipeline.syncOperations.addHandler(peer, position: .first)
        stall(channel)
        try server.hub.publish(ServerSentEvent(data: "last"), to: "/sse")
        server.hub.close(server.application.connected[0])
        server.loop.run()
        server.loop.advanceTime(by: .milliseconds(500))
        #expect(channel.isActive)
        try channel.pipeline.syncOperations.removeHandler(peer).wait()
        channel.isWritable = true
        channel.flush()  // the peer reads again
        #expect(try server.output(channel) == chunk("data: last\n\n") + "0\r\n\r\n")
        #expect(!channel.isActive)
    }

    @Test func closingGivesUpOnAClientThatTakesNothing() throws {
        let server = EmbeddedServer()
        let channels = try openStreams(server, 1)
        try channels[0].pipeline.syncOperations.addHandler(StalledPeer(), position: .first)
        server.hub.close(server.application.connected[0])
        server.loop.run()
        server.loop.advanceTime(by: .milliseconds(1900))
        #expect(channels[0].isActive, "it may still take the end of its stream")
        server.loop.advanceTime(by: .milliseconds(200))
        #expect(!channels[0].isActive, "closed after closeTimeout (2 s)")
    }

    @Test func unwritableForASecondItIsClosed() throws {
        let server = EmbeddedServer()
        let channels = try openStreams(server, 2)
        stall(channels[0])
        server.loop.advanceTime(by: .milliseconds(900))
        #expect(channels[0].isActive)
        server.loop.advanceTime(by: .milliseconds(200))
        #expect(!channels[0].isActive && channels[1].isActive)
        #expect(server.state.slowClients.load(ordering: .relaxed) == 1)
    }

    @Test func writableAgainInTimeItStays() throws {
        let server = EmbeddedServer()
        let channels = try openStreams(server, 1)
        stall(channels[0])
        server.loop.advanceTime(by: .milliseconds(900))
        channels[0].isWritable = true
        channels[0].pipeline.fireChannelWritabilityChanged()
        server.loop.advanceTime(by: .seconds(3))
        #expect(channels[0].isActive)
        #expect(server.state.slowClients.load(ordering: .relaxed) == 0)
    }
}

/// A peer that takes nothing: flushes never reach the channel, so written bytes
/// stay buffered (`bufferedWritableBytes`) and write promises never complete.
private final class StalledPeer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer

    func flush(context: ChannelHandlerContext) {}
}
