import EventStream
import NIOCore
import NIOEmbedded
import Testing

@testable import PushServer

/// Why streams go, and the faults the hub injects, on an `EmbeddedEventLoop`
/// whose time the test moves.
@Suite struct FaultTests {
    private func openStream(_ server: EmbeddedServer, path: String = "/sse") throws -> (EmbeddedChannel, Client) {
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET \(path) HTTP/1.1\r\n\r\n")
        return (channel, try #require(server.application.connected.last))
    }

    @Test func thePeerClosingIsReportedAsPeer() throws {
        let server = EmbeddedServer()
        let (channel, client) = try openStream(server)
        try channel.close().wait()
        server.loop.run()
        #expect(server.application.reasons[client.id] == .peer)
    }

    @Test func aStreamPastItsTimeoutEndsCleanlyAndIsReportedAsTimeout() throws {
        let routes = RouteTable(streams: ["/brief": StreamOptions(timeout: .seconds(1))])
        let server = EmbeddedServer(routes: routes)
        let (channel, client) = try openStream(server, path: "/brief")
        server.loop.advanceTime(by: .milliseconds(900))
        #expect(try server.output(channel).isEmpty)
        server.loop.advanceTime(by: .milliseconds(600))
        #expect(try server.output(channel) == "0\r\n\r\n", "the last chunk: a clean end")
        #expect(server.application.reasons[client.id] == .timeout)
        #expect(channel.isActive, "the connection stays for the next request")
    }

    @Test func aDroppedStreamGetsWhatWasSentThenNoLastChunk() throws {
        let server = EmbeddedServer()
        let (channel, client) = try openStream(server)
        try server.hub.send(ServerSentEvent(data: "last words"), to: client)
        server.hub.drop(client)
        #expect(try server.output(channel) == chunk("data: last words\n\n"))
        #expect(!channel.isActive)
        #expect(server.application.reasons[client.id] == nil, "the application dropped it itself")
        #expect(server.hub.count() == 0)
    }

    @Test func aStallHoldsFramesInOrderUntilItEnds() throws {
        let server = EmbeddedServer()
        let (channel, client) = try openStream(server)
        server.hub.stall(client, for: .seconds(2))
        for text in ["a", "b"] { try server.hub.send(ServerSentEvent(data: text), to: client) }
        try server.hub.publish(ServerSentEvent(data: "c"), to: "/sse")
        server.hub.close(client)
        server.loop.advanceTime(by: .milliseconds(1900))
        #expect(try server.output(channel).isEmpty, "nothing during the stall, not even the end")
        server.loop.advanceTime(by: .milliseconds(200))
        let expected = chunk("data: a\n\n") + chunk("data: b\n\n") + chunk("data: c\n\n") + "0\r\n\r\n"
        #expect(try server.output(channel) == expected)
    }

    @Test func sendRawBeforeAnythingElseReplacesTheGreeting() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        server.application.onConnect = { hub, client in
            hub.sendRaw(ByteBuffer(bytes: [0xEF, 0xBB, 0xBF] + Array("data: x\r\r".utf8)), to: client)
        }
        let written = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        let body = try #require(written.split(separator: "\r\n\r\n", maxSplits: 1).last)
        #expect(body == "c\r\n\u{FEFF}data: x\r\r\r\n", "one chunk of the exact bytes, first in the body")
    }

    @Test func jitterNeverLetsAFrameOvertakeTheOneBeforeIt() {
        let held = HeldFrames(jitter: .milliseconds(200))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        for n in 0..<200 { held.hold(.frame(Frame(raw: "data: \(n)\n\n")), now: start + .milliseconds(Int64(n))) }
        var released: [String] = []
        var now = start
        while !held.isEmpty {
            now = now + .milliseconds(10)
            for case .frame(let frame) in held.takeDue(at: now) { released.append(String(buffer: frame.payload)) }
        }
        #expect(released == (0..<200).map { "data: \($0)\n\n" })
        #expect(now <= start + .milliseconds(200 + 200 + 10), "none later than its jitter after the last")
        #expect(held.bytes == 0)
    }
}
