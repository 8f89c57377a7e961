import NIOCore
import Testing

@testable import PushServer

/// The ring of recent events per topic, and the server's own event ids.
@Suite struct HistoryTests {
    private func frame(_ id: String) -> Frame { Frame(raw: "id: \(id)\n\n") }
    private func text(_ frames: [Frame]?) -> [String]? { frames?.map { String(buffer: $0.payload) } }

    @Test func keepsTheLastEventsAndFindsWhereAClientLeftOff() {
        var history = History(capacity: 3)
        for id in 1...5 { history.append(id: "\(id)", frame: frame("\(id)")) }
        #expect(history.count == 3)
        #expect(text(history.frames) == ["id: 3\n\n", "id: 4\n\n", "id: 5\n\n"])
        #expect(text(history.frames(after: "3")) == ["id: 4\n\n", "id: 5\n\n"])
        #expect(text(history.frames(after: "5")) == [], "up to date: nothing to replay")
        #expect(history.frames(after: "2") == nil, "evicted")
        #expect(history.frames(after: "nope") == nil, "unknown")
    }

    @Test func aRepeatedIdMeansItsNewestOccurrence() {
        var history = History(capacity: 3)
        for id in ["a", "b", "a", "c"] { history.append(id: id, frame: frame(id)) }
        #expect(text(history.frames(after: "a")) == ["id: c\n\n"])
        history.append(id: "d", frame: frame("d"))  // evicts "b"
        #expect(text(history.frames(after: "a")) == ["id: c\n\n", "id: d\n\n"])
        history.append(id: "e", frame: frame("e"))  // evicts the only "a" left
        #expect(history.frames(after: "a") == nil)
    }

    @Test func resizingKeepsTheNewest() {
        var history = History(capacity: 5)
        for id in 1...7 { history.append(id: "\(id)", frame: frame("\(id)")) }
        history.resize(to: 2)
        #expect(text(history.frames) == ["id: 6\n\n", "id: 7\n\n"])
        #expect(history.frames(after: "5") == nil && text(history.frames(after: "6")) == ["id: 7\n\n"])
        history.resize(to: 4)
        history.append(id: "8", frame: frame("8"))
        #expect(text(history.frames(after: "6")) == ["id: 7\n\n", "id: 8\n\n"])
        var none = History(capacity: 0)
        none.append(id: "1", frame: frame("1"))
        #expect(none.count == 0 && none.frames(after: "1") == nil)
    }

    @Test func autoIDsAreUnixMillisecondsAndASequence() {
        var ids = EventIDGenerator()
        #expect(ids.next(now: 1_700_000_000_000) == "1700000000000-0")
        #expect(ids.next(now: 1_700_000_000_000) == "1700000000000-1", "same millisecond: the sequence goes on")
        #expect(ids.next(now: 1_700_000_000_005) == "1700000000005-0", "a new millisecond starts at 0")
        #expect(ids.next(now: 1_699_999_999_000) == "1700000000005-1", "the clock went back: still increasing")
        let before = EventIDGenerator.wallClockMilliseconds()
        var live = EventIDGenerator()
        let first = live.next().split(separator: "-").map { Int64($0)! }
        let after = EventIDGenerator.wallClockMilliseconds()
        #expect((before...after).contains(first[0]) && first[1] == 0, "\(first): the wall clock's milliseconds")
    }

    /// A restarted server's ids are newer than any it gave before.
    @Test func aNewGeneratorsIdsAreNewerThanTheOldOnes() {
        var old = EventIDGenerator()
        let given = (0..<50).map { _ in old.next() }
        let started = EventIDGenerator.wallClockMilliseconds()
        while EventIDGenerator.wallClockMilliseconds() == started {}  // a restart takes at least a millisecond
        var restarted = EventIDGenerator()
        let key = { (id: String) in id.split(separator: "-").map { Int64($0)! } }
        let newest = given.map(key).max { $0.lexicographicallyPrecedes($1) }!
        #expect(newest.lexicographicallyPrecedes(key(restarted.next())))
    }
}
