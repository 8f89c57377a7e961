import EventStream
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PushServer

/// `Last-Event-ID` on the wire: replayed events come between the stream's first
/// comment and the first live event, each once.
@Suite struct ResumeTests {
    private func idEvent(_ id: Int) -> String { chunk("id: \(id)\ndata: \(id)\n\n") }
    private func publish(_ server: EmbeddedServer, _ ids: ClosedRange<Int>, to topic: String = "/sse") throws {
        for id in ids { try server.hub.publish(ServerSentEvent(data: "\(id)", id: "\(id)"), to: topic) }
    }

    @Test func eventsAfterTheLastIdComeBeforeLiveOnes() throws {
        let server = EmbeddedServer()
        try publish(server, 1...5)
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\nLast-Event-ID: 3\r\n\r\n")
        #expect(opened == streamHead + chunk(": ok\n") + idEvent(4) + idEvent(5))
        try publish(server, 6...6)
        #expect(try server.output(channel) == idEvent(6))
        let byQuery = try server.connect()
        let queried = try server.exchange(byQuery, "GET /sse?lastEventId=5 HTTP/1.1\r\n\r\n")
        #expect(queried == streamHead + chunk(": ok\n") + idEvent(6))
    }

    @Test func anIdNoLongerHeldGetsTheGapEventThenTheHistory() throws {
        let server = EmbeddedServer(routes: RouteTable(streams: ["/sse": StreamOptions(history: 3)]))
        try publish(server, 1...5)
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\nLast-Event-ID: 1\r\n\r\n")
        let gap = chunk("event: ssescript-gap\ndata: 1\n\n")
        #expect(opened == streamHead + chunk(": ok\n") + gap + idEvent(3) + idEvent(4) + idEvent(5))
    }

    @Test func withoutAHistoryThereIsNothingToReplayAndNoGap() throws {
        let server = EmbeddedServer(routes: RouteTable(streams: ["/sse": StreamOptions(history: 0)]))
        try publish(server, 1...5)
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\nLast-Event-ID: 3\r\n\r\n")
        #expect(opened == streamHead + chunk(": ok\n"))
    }

    /// Without a `history` option a stream's topic keeps its last 100 events with
    /// an id, and so does a topic that is not a stream path.
    @Test func theDefaultHistoryIsTheLastHundred() throws {
        let server = EmbeddedServer()
        try publish(server, 1...150)
        try publish(server, 1...150, to: "room")
        let held = try server.connect()
        #expect(
            try server.exchange(held, "GET /sse HTTP/1.1\r\nLast-Event-ID: 51\r\n\r\n")
                == streamHead + chunk(": ok\n") + (52...150).map(idEvent).joined(), "51 is the oldest kept")
        let evicted = try server.connect()
        #expect(
            try server.exchange(evicted, "GET /sse HTTP/1.1\r\nLast-Event-ID: 50\r\n\r\n")
                == streamHead + chunk(": ok\n") + chunk("event: ssescript-gap\ndata: 50\n\n")
                + (51...150).map(idEvent).joined())
        server.application.onConnect = { hub, client in hub.subscribe(client, to: "room") }
        let other = try server.connect()
        #expect(
            try server.exchange(other, "GET /sse?lastEventId=51 HTTP/1.1\r\n\r\n")
                == streamHead + chunk(": ok\n") + (52...150).map(idEvent).joined(), "from /sse, its path first")
        #expect(server.hub.histories["room"]?.count == 100)
    }

    @Test func theTopicHoldingTheIdIsReplayedEvenWithoutSubscribers() throws {
        let server = EmbeddedServer()
        try publish(server, 1...3, to: "room")
        #expect(server.hub.count(topic: "room") == 0)
        server.application.onConnect = { hub, client in hub.subscribe(client, to: "room") }
        let channel = try server.connect()
        let opened = try server.exchange(channel, "GET /sse HTTP/1.1\r\nLast-Event-ID: 1\r\n\r\n")
        #expect(opened == streamHead + chunk(": ok\n") + idEvent(2) + idEvent(3))
        try publish(server, 4...4, to: "room")
        #expect(try server.output(channel) == idEvent(4))
    }

    @Test func autoIDsNumberPublishesButNotSendsOrEventsWithAnId() throws {
        let server = EmbeddedServer(routes: RouteTable(streams: ["/sse": StreamOptions(autoIDs: true)]))
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        try server.hub.publish(ServerSentEvent(data: "a"), to: "/sse")
        try server.hub.publish(ServerSentEvent(data: "b", id: "mine"), to: "/sse")
        try server.hub.send(ServerSentEvent(data: "c"), to: server.application.connected[0])
        let out = try server.output(channel)
        #expect(out.contains(/id: \d{13}-0\ndata: a\n/))
        #expect(out.contains("id: mine\ndata: b\n"))
        #expect(out.contains(chunk("data: c\n\n")), "client:send gets no id")
    }

    /// A heartbeat goes out on the wire, and neither it nor a comment nor an event
    /// with an empty id is kept: a client resuming gets only the event with an id.
    @Test func heartbeatsAndCommentsCarryNoIdAndAreNotKept() throws {
        let server = EmbeddedServer { $0.heartbeat = .seconds(1) }
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        try publish(server, 1...1)
        try server.hub.publish(ServerSentEvent(comment: "note"), to: "/sse")
        try server.hub.publish(ServerSentEvent(data: "x", id: ""), to: "/sse")
        #expect(try server.output(channel) == idEvent(1) + chunk(": note\n") + chunk("id:\ndata: x\n\n"))
        server.loop.advanceTime(by: .milliseconds(900))
        #expect(try server.output(channel) == "", "not idle for a second yet")
        server.loop.advanceTime(by: .milliseconds(400))
        #expect(try server.output(channel) == chunk(": heartbeat\n"))
        let resumed = try server.connect()
        let replayed = try server.exchange(resumed, "GET /sse HTTP/1.1\r\nLast-Event-ID: 0\r\n\r\n")
        let gap = chunk("event: ssescript-gap\ndata: 0\n\n")
        #expect(replayed == streamHead + chunk(": ok\n") + gap + idEvent(1), "the history holds only id 1")
    }
}
