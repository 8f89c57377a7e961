import EventStream
import NIOCore
import Testing

/// A stream and what a client must make of it, as the standard's event stream interpretation says.
struct ParserVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var items: [EventStreamParser.Item]
    var lastEventID: String
    var reconnectionTime: Int?

    init(
        _ name: String,
        bytes: [UInt8],
        items: [EventStreamParser.Item],
        lastEventID: String = "",
        reconnectionTime: Int? = nil
    ) {
        self.name = name
        self.bytes = bytes
        self.items = items
        self.lastEventID = lastEventID
        self.reconnectionTime = reconnectionTime
    }

    init(
        _ name: String,
        _ stream: String,
        _ items: [EventStreamParser.Item],
        lastEventID: String = "",
        reconnectionTime: Int? = nil
    ) {
        self.init(
            name,
            bytes: Array(stream.utf8),
            items: items,
            lastEventID: lastEventID,
            reconnectionTime: reconnectionTime
        )
    }

    var testDescription: String { name }
}

private func event(_ data: String, type: String = "message", id: String = "") -> EventStreamParser.Item {
    .event(MessageEvent(type: type, data: data, lastEventID: id))
}

private let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

private let specExamples: [ParserVector] = [
    .init("spec: stock ticker lines joined by LF", "data: YHOO\ndata: +2\ndata: 10\n\n", [event("YHOO\n+2\n10")]),
    .init(
        "spec: comment, ids, unterminated last event",
        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
        [.comment("test stream"), event("first event", id: "1"), event("second event")]
    ),
    .init("spec: data without colon, then a partial event", "data\n\ndata\ndata\n\ndata:", [event(""), event("\n")]),
    .init("spec: one leading space is removed", "data:test\n\ndata: test\n\n", [event("test"), event("test")]),
]

private let lineEnds: [ParserVector] = [
    .init("LF", "data: a\ndata: b\n\n", [event("a\nb")]),
    .init("CR only", "data: a\rdata: b\r\rdata: c\r\r", [event("a\nb"), event("c")]),
    .init("CRLF only", "data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n", [event("a\nb"), event("c")]),
    .init("mixed", "data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r\n", [event("a\nb\nc"), event("d")]),
    .init("LF CR is two line ends", "data: a\n\rdata: b\n\n", [event("a"), event("b")]),
    .init("CR at the very end ends the line", "data: a\n\r", [event("a")]),
    .init("blank lines alone dispatch nothing", "\n\r\n\r\n\n", []),
    .init("empty stream", "", []),
]

private let byteOrderMarks: [ParserVector] = [
    .init("BOM is skipped", bytes: byteOrderMark + Array("data: a\n\n".utf8), items: [event("a")]),
    .init(
        "a second BOM is part of the first line",
        bytes: byteOrderMark + byteOrderMark + Array("data: a\n\ndata: b\n\n".utf8),
        items: [event("b")]
    ),
    .init(
        "BOM after the start is data",
        bytes: Array("data: ".utf8) + byteOrderMark + Array("a\n\n".utf8),
        items: [event("\u{FEFF}a")]
    ),
    .init(
        "BOM at the start of a later line is part of the line",
        bytes: Array("data: a\n\n".utf8) + byteOrderMark + Array("data: b\n\n".utf8),
        items: [event("a")]
    ),
    .init(
        "the start of a BOM is part of the first line",
        bytes: [0xEF, 0xBB] + Array("data: a\n\ndata: b\n\n".utf8),
        items: [event("b")]
    ),
    .init("a lone first byte of a BOM is part of the first line", bytes: [0xEF] + Array("data: a\n\n".utf8), items: []),
    .init(
        "the start of a BOM then a line end", bytes: [0xEF, 0xBB, 0x0A] + Array("data: a\n\n".utf8), items: [event("a")]
    ),
    .init("only a BOM", bytes: byteOrderMark, items: []),
]

private let lines: [ParserVector] = [
    .init(
        "comments are reported",
        ": heartbeat\n:\n:no space\n:  two spaces\n:: colon\n",
        [.comment("heartbeat"), .comment(""), .comment("no space"), .comment(" two spaces"), .comment(": colon")]
    ),
    .init("a comment does not end an event", "data: a\n: ping\ndata: b\n\n", [.comment("ping"), event("a\nb")]),
    .init("only one leading space is removed", "data:  a\n\n", [event(" a")]),
    .init("the field name ends at the first colon", "data:a: b\n\n", [event("a: b")]),
    .init("field without colon has an empty value", "data\n\n", [event("")]),
    .init("field names are case-sensitive", "Data: a\n\nDATA: b\n\n", []),
    .init("a space before the colon is part of the name", "data : a\n\n", []),
    .init("unknown fields are ignored", "foo: bar\ndata: a\nfoo\n\n", [event("a")]),
    .init("data keeps NUL", "data: a\0b\n\n", [event("a\0b")]),
    .init("empty data lines", "data:\ndata:\ndata: x\n\n", [event("\n\nx")]),
    .init("data of one empty line is an empty event", "data:\n\n", [event("")]),
]

private let eventTypes: [ParserVector] = [
    .init("event sets the type", "event: add\ndata: 1\n\n", [event("1", type: "add")]),
    .init(
        "the type is reset after an event", "event: add\ndata: 1\n\ndata: 2\n\n", [event("1", type: "add"), event("2")]),
    .init("the type is reset by a blank line without data", "event: add\n\ndata: 2\n\n", [event("2")]),
    .init("the last event field wins", "event: a\nevent: b\ndata: 1\n\n", [event("1", type: "b")]),
    .init("empty event field means message", "event: a\nevent\ndata: 1\n\n", [event("1")]),
    .init("event type is not trimmed further", "event:  a b \ndata: 1\n\n", [event("1", type: " a b ")]),
]

private let eventIDs: [ParserVector] = [
    .init(
        "the last event id persists across events",
        "id: 7\ndata: a\n\ndata: b\n\n",
        [event("a", id: "7"), event("b", id: "7")],
        lastEventID: "7"
    ),
    .init(
        "id without colon resets it",
        "id: 7\ndata: a\n\nid\ndata: b\n\n",
        [event("a", id: "7"), event("b")]
    ),
    .init("empty id resets it", "id: 7\ndata: a\n\nid:\ndata: b\n\n", [event("a", id: "7"), event("b")]),
    .init(
        "an id with NUL is ignored",
        "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n",
        [event("a", id: "1"), event("b", id: "1")],
        lastEventID: "1"
    ),
    .init("a blank line without data sets the last event id", "id: 3\n\n", [], lastEventID: "3"),
    .init(
        "an id after the data counts for the event",
        "data: a\nid: 5\n\n",
        [event("a", id: "5")],
        lastEventID: "5"
    ),
    .init("an id in an unterminated event is not set", "id: 1\n\nid: 2\ndata: x\n", [], lastEventID: "1"),
    .init("the last id field wins", "id: 1\nid: 2\ndata: x\n\n", [event("x", id: "2")], lastEventID: "2"),
    .init("id keeps spaces and colons", "id:  a: b \ndata: x\n\n", [event("x", id: " a: b ")], lastEventID: " a: b "),
]

private let retries: [ParserVector] = [
    .init("retry sets the reconnection time", "retry: 1500\n", [.retry(1500)], reconnectionTime: 1500),
    .init("retry 0", "retry: 0\n", [.retry(0)], reconnectionTime: 0),
    .init("leading zeros", "retry: 007\n", [.retry(7)], reconnectionTime: 7),
    .init("the last valid retry wins", "retry: 1\nretry: x\nretry: 2\n", [.retry(1), .retry(2)], reconnectionTime: 2),
    .init("retry with a letter is ignored", "retry: 15x\n", []),
    .init("negative retry is ignored", "retry: -1\n", []),
    .init("empty retry is ignored", "retry:\nretry\n", []),
    .init("fractional retry is ignored", "retry: 1.5\n", []),
    .init("retry with two leading spaces is ignored", "retry:  100\n", []),
    .init("retry with a trailing space is ignored", "retry: 100 \n", []),
    .init("retry with non-ASCII digits is ignored", "retry: ١٢\n", []),
    .init("retry too large for Int is ignored", "retry: 99999999999999999999\n", []),
    .init("largest retry", "retry: 9223372036854775807\n", [.retry(Int.max)], reconnectionTime: Int.max),
    .init("retry does not need a blank line", "retry: 10\ndata: x\n", [.retry(10)], reconnectionTime: 10),
]

private let endsOfStream: [ParserVector] = [
    .init("an unterminated last event is dropped", "data: a\n\ndata: b\n", [event("a")]),
    .init("a partial last line is dropped", "data: a\n\ndata: b", [event("a")]),
    .init("a partial comment is dropped", ": a", []),
    .init("a partial retry is dropped", "retry: 5", []),
    .init("one line end is not a blank line", "data: a\r\n", []),
]

private let decoding: [ParserVector] = [
    .init("non-ASCII", "event: ünï\ndata: 日本 😀\n\n", [event("日本 😀", type: "ünï")]),
    .init("invalid byte", bytes: Array("data: a".utf8) + [0xFF] + Array("b\n\n".utf8), items: [event("a\u{FFFD}b")]),
    .init(
        "truncated sequence is one replacement",
        bytes: Array("data: ".utf8) + [0xF0, 0x9F, 0x98] + Array("\n\n".utf8),
        items: [event("\u{FFFD}")]
    ),
    .init(
        "overlong encoding is two replacements",
        bytes: Array("data: ".utf8) + [0xC0, 0x80] + Array("\n\n".utf8),
        items: [event("\u{FFFD}\u{FFFD}")]
    ),
    .init(
        "surrogate is three replacements",
        bytes: Array("data: ".utf8) + [0xED, 0xA0, 0x80] + Array("\n\n".utf8),
        items: [event("\u{FFFD}\u{FFFD}\u{FFFD}")]
    ),
    .init(
        "truncated sequence before a line end",
        bytes: Array("data: ".utf8) + [0xE2, 0x82] + Array("\ndata: x\n\n".utf8),
        items: [event("\u{FFFD}\nx")]
    ),
    .init(
        "invalid bytes in an id",
        bytes: Array("id: ".utf8) + [0xFE] + Array("\ndata: x\n\n".utf8),
        items: [event("x", id: "\u{FFFD}")],
        lastEventID: "\u{FFFD}"
    ),
    .init(
        "invalid bytes in an event type",
        bytes: Array("event: ".utf8) + [0x80] + Array("\ndata: x\n\n".utf8),
        items: [event("x", type: "\u{FFFD}")]
    ),
    .init(
        "invalid bytes in a comment",
        bytes: Array(": ".utf8) + [0xC3] + Array("\n".utf8),
        items: [.comment("\u{FFFD}")]
    ),
]

@Test(
    "parses as the standard says, in every chunking",
    arguments: specExamples + lineEnds + byteOrderMarks + lines + eventTypes + eventIDs + retries + endsOfStream
        + decoding
)
func parses(_ vector: ParserVector) {
    let result = parseInEveryChunking(vector.bytes)
    #expect(
        result
            == ParseResult(
                items: vector.items,
                lastEventID: vector.lastEventID,
                reconnectionTime: vector.reconnectionTime
            )
    )
    // String equality is canonical equivalence; the data must also be the same scalars.
    for (item, expected) in zip(result.items, vector.items) {
        if case .event(let got) = item, case .event(let want) = expected {
            #expect(Array(got.data.unicodeScalars) == Array(want.data.unicodeScalars))
        }
    }
}

@Test func finishDropsThePendingEventAndStartsANewStream() {
    var parser = EventStreamParser()
    #expect(parser.parse(Array("id: 1\nretry: 9\ndata: a\n\nid: 2\nevent: e\ndata: b\ndata".utf8)).count == 2)
    #expect(parser.finish() == [])
    #expect(parser.lastEventID == "1")
    #expect(parser.reconnectionTime == 9)

    // The new stream may start with a BOM, and its buffers start empty.
    let items = parser.parse(byteOrderMark + Array("data: c\n\n".utf8))
    #expect(items == [event("c")])
    #expect(parser.lastEventID == "")
    #expect(parser.reconnectionTime == 9)
}

@Test func parsesByteBufferWithoutConsumingIt() {
    var parser = EventStreamParser()
    var buffer = ByteBuffer(string: "data: x\n\ndata: a\n\n")
    buffer.moveReaderIndex(forwardBy: 9)
    #expect(parser.parse(buffer) == [event("a")])
    #expect(buffer.readableBytes == 9)
}
