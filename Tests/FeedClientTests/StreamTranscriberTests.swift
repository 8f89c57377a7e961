internal import EventStream
internal import FeedClient
internal import NIOCore
internal import Testing

/// What a client received, written down by `StreamTranscriber`, makes a client receive the same again.
@Suite struct StreamTranscriberTests {
    /// The bytes `Resources/feed_server.py` sends on `/tricky`.
    static let tricky: [UInt8] =
        Array(
            "\u{FEFF}: hello\rretry: 2500\revent: greeting\rid: 1\rdata: first\rdata: second\r\r".utf8)
        + Array("data:\r\n\r\ndata: naïve ✓ 😀\ndata:  two spaces, a tab\there, a trailing space \n\n".utf8)
        + Array("id:\nretry: soon\ndata: id reset\n\nid: 7\n\n".utf8)

    /// What `/tricky` is recorded as, without comments.
    static let trickyEvents: [ServerSentEvent] = [
        ServerSentEvent(retry: 2500),
        ServerSentEvent(data: "first\nsecond", event: "greeting", id: "1"),
        ServerSentEvent(data: ""),
        ServerSentEvent(data: "naïve ✓ 😀\n two spaces, a tab\there, a trailing space "),
        ServerSentEvent(data: "id reset", id: ""),
        ServerSentEvent(id: "7"),
    ]

    @Test func trickyStreamInEveryTwoChunks() {
        for cut in 0...Self.tricky.count {
            var transcriber = StreamTranscriber()
            let events =
                transcriber.transcribe(ByteBuffer(bytes: Self.tricky[..<cut]))
                + transcriber.transcribe(ByteBuffer(bytes: Self.tricky[cut...]))
            #expect(events == Self.trickyEvents, "cut at \(cut)")
        }
    }

    @Test func commentsWhenAsked() {
        var transcriber = StreamTranscriber(keepsComments: true)
        let events = transcriber.transcribe(ByteBuffer(bytes: Self.tricky))
        #expect(events.first == ServerSentEvent(comment: "hello"))
        #expect(Array(events.dropFirst()) == Self.trickyEvents)
    }

    /// Random streams: what the transcript sends again parses to the same events, retries and last id.
    @Test func randomStreamsAreReceivedTheSameFromTheTranscript() throws {
        var random = SplitMix64(seed: 0x5EED_FEED)
        for round in 0..<400 {
            let stream = RandomStream.bytes(using: &random)
            var original = EventStreamParser()
            let expected = original.parse(stream).filter(Self.isNotComment)
            var transcriber = StreamTranscriber()
            var transcript: [ServerSentEvent] = []
            var offset = 0
            while offset < stream.count {
                let size = Int(random.next() % 17) + 1
                let end = min(stream.count, offset + size)
                transcript += transcriber.transcribe(ByteBuffer(bytes: stream[offset..<end]))
                offset = end
            }
            var sentAgain = ByteBuffer()
            for event in transcript {
                try sentAgain.writeServerSentEvent(event)
            }
            var replayed = EventStreamParser()
            let received = replayed.parse(sentAgain)
            #expect(received == expected, "round \(round): \(String(decoding: stream, as: UTF8.self).debugDescription)")
            #expect(replayed.lastEventID == original.lastEventID, "round \(round)")
        }
    }

    private static func isNotComment(_ item: EventStreamParser.Item) -> Bool {
        if case .comment = item { return false }
        return true
    }
}

/// Streams made of the lines a parser must handle, with every kind of line end.
enum RandomStream {
    static let lines = [
        "data: x", "data:", "data", "data:  spaced ", "data: ü😀", "event: kind", "event:", "event: message",
        "id: 1", "id: 2", "id:", "id: a\u{0}b", "retry: 100", "retry: soon", ": comment", "", "", "",
        "other: field", "data:x",
    ]
    static let lineEnds = ["\n", "\r", "\r\n"]

    static func bytes(using random: inout SplitMix64) -> [UInt8] {
        var text = random.next() % 8 == 0 ? "\u{FEFF}" : ""
        for _ in 0..<Int(random.next() % 24) {
            text += lines[Int(random.next() % UInt64(lines.count))]
            text += lineEnds[Int(random.next() % UInt64(lineEnds.count))]
        }
        return Array(text.utf8)
    }
}

/// A small seeded generator, so a failing round can be run again.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
