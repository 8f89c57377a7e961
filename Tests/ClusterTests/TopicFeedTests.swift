import NIOCore
import Testing

@testable import Cluster

/// The seam between a topic's stream and its channel, without Redis.
@Suite struct TopicFeedTests {
    static func notice(_ entry: String?, _ data: String = "x") -> TopicNotice {
        TopicNotice(
            entry: entry.flatMap { StreamEntryID($0) }, ownID: nil, payload: ByteBuffer(string: "data: \(data)\n\n"))
    }

    static func entries(_ notices: [TopicNotice]) -> [String] { notices.map { $0.entry?.description ?? "-" } }

    @Test func noticesWaitForTheFirstReadAndThoseItHeldAreDroppedOnce() {
        var feed = TopicFeed()
        #expect(feed.receive(Self.notice("5-0")) == nil)
        #expect(feed.receive(Self.notice("6-0")) == nil)
        #expect(feed.receive(Self.notice(nil, "no id")) == nil)
        // The read saw 4-0 .. 6-0; 5-0 and 6-0 came through the channel too.
        let (history, deliver) = feed.loaded([Self.notice("4-0"), Self.notice("5-0"), Self.notice("6-0")])
        #expect(Self.entries(history) == ["4-0", "5-0", "6-0"])
        #expect(Self.entries(deliver) == ["-"])
        #expect(feed.isLoaded)
        #expect(feed.phase == .live)
        #expect(feed.receive(Self.notice("6-0")) == nil)
        #expect(feed.receive(Self.notice("7-0")).map { Self.entries([$0]) } == ["7-0"])
    }

    @Test func aCatchUpDeliversWhatCameAfterTheLastEntryThenTheNewerHeldOnes() {
        var feed = TopicFeed()
        _ = feed.loaded([Self.notice("1-0")])
        _ = feed.receive(Self.notice("2-0"))
        feed.startSyncing()
        _ = feed.receive(Self.notice("4-0"))
        _ = feed.receive(Self.notice("5-0"))
        let (reset, deliver) = feed.caughtUp(.continuing([Self.notice("3-0"), Self.notice("4-0")]))
        #expect(!reset)
        #expect(Self.entries(deliver) == ["3-0", "4-0", "5-0"])
        #expect(feed.last == StreamEntryID("5-0"))
    }

    @Test func aStreamThatLostTheLastEntryIsDeliveredWholeEvenWithOlderIDs() {
        var feed = TopicFeed()
        _ = feed.loaded([Self.notice("900-0")])
        feed.startSyncing()
        // Redis came back empty with a clock behind: its ids are older than ours.
        let (reset, deliver) = feed.caughtUp(.restarted([Self.notice("100-0"), Self.notice("100-1")]))
        #expect(reset)
        #expect(Self.entries(deliver) == ["100-0", "100-1"])
        #expect(feed.receive(Self.notice("101-0")).map { Self.entries([$0]) } == ["101-0"])
    }

    @Test func aTopicWithoutHistoryGoesLiveWithWhatItHeld() {
        var feed = TopicFeed()
        _ = feed.receive(Self.notice(nil, "a"))
        _ = feed.receive(Self.notice(nil, "b"))
        #expect(feed.goLive().count == 2)
        #expect(feed.receive(Self.notice(nil, "c")) != nil)
        #expect(feed.isLoaded && !feed.hasReadStream, "a history given later by a reload is loaded, not caught up")
    }

    @Test func heldNoticesAreBoundedAndTheOverflowIsCounted() {
        var feed = TopicFeed(holdLimit: 3)
        for n in 1...5 { _ = feed.receive(Self.notice("\(n)-0")) }
        #expect(feed.overflowed == 2)
        let (_, deliver) = feed.loaded([])
        #expect(Self.entries(deliver) == ["3-0", "4-0", "5-0"])
    }
}

@Suite struct ClusterWireTests {
    @Test func entryIDsCompareAsNumbers() {
        #expect(StreamEntryID("10-0")! > StreamEntryID("9-5")!)
        #expect(StreamEntryID("9-10")! > StreamEntryID("9-9")!)
        #expect(StreamEntryID("9") == nil)
        #expect(StreamEntryID("a-1") == nil)
        #expect(StreamEntryID("1764080542123-7")?.description == "1764080542123-7")
    }

    @Test func aNoticeReadsBackWhatWasPublished() {
        let payload = ByteBuffer(string: "event: x\ndata: a\ndata: b\n\n")
        let plain = TopicNotice(message: TopicNotice.message(ownID: "42", payload: payload))
        #expect(plain?.entry == nil)
        #expect(plain?.id == "42")
        #expect(plain?.event == payload)
        let auto = TopicNotice(message: ByteBuffer(string: "17-3\n\n") + payload)
        #expect(auto?.id == "17-3")
        #expect(auto.map { String(buffer: $0.event) } == "id: 17-3\nevent: x\ndata: a\ndata: b\n\n")
        let own = TopicNotice(message: ByteBuffer(string: "17-4\nmine\n") + payload)
        #expect(own?.id == "mine")
        #expect(own?.event == payload)
        #expect(TopicNotice(message: ByteBuffer(string: "garbage")) == nil)
        #expect(TopicNotice(message: ByteBuffer(string: "x-y\n\n")) == nil)
    }

    @Test func keysCarryTheTopicAsAHashTagAndChannelsNameTheirTopic() {
        #expect(ClusterKeys.stream(of: "/chat") == "ssescript:{/chat}:events")
        #expect(ClusterKeys.channel(of: "/chat") == "ssescript:{/chat}:notices")
        for topic in ["/chat", "", "é\u{301}", "a}:notices"] {
            #expect(ClusterKeys.topic(ofChannel: ClusterKeys.channel(of: topic)) == topic)
        }
        #expect(ClusterKeys.topic(ofChannel: ClusterKeys.broadcastChannel) == nil)
    }
}

extension ByteBuffer {
    fileprivate static func + (a: ByteBuffer, b: ByteBuffer) -> ByteBuffer {
        var sum = a
        sum.writeImmutableBuffer(b)
        return sum
    }
}
