import EventStream
import NIOCore
import Testing

/// An event and the exact bytes the encoder must write for it.
struct EncoderVector: Sendable, CustomTestStringConvertible {
    var name: String
    var event: ServerSentEvent
    var bytes: String

    var testDescription: String { name }
}

private let vectors: [EncoderVector] = [
    .init(name: "data", event: .init(data: "hello"), bytes: "data: hello\n\n"),
    .init(
        name: "every field, in order",
        event: .init(data: "d", event: "e", id: "1", retry: 1000, comment: "c"),
        bytes: ": c\nevent: e\nid: 1\nretry: 1000\ndata: d\n\n"
    ),
    .init(name: "empty data", event: .init(data: ""), bytes: "data:\n\n"),
    .init(name: "LF in data", event: .init(data: "a\nb"), bytes: "data: a\ndata: b\n\n"),
    .init(name: "CR in data", event: .init(data: "a\rb"), bytes: "data: a\ndata: b\n\n"),
    .init(name: "CRLF in data is one line end", event: .init(data: "a\r\nb"), bytes: "data: a\ndata: b\n\n"),
    .init(name: "empty line in data", event: .init(data: "a\n\nb"), bytes: "data: a\ndata:\ndata: b\n\n"),
    .init(name: "CRLF CRLF in data", event: .init(data: "a\r\n\r\nb"), bytes: "data: a\ndata:\ndata: b\n\n"),
    .init(name: "LF CR in data is two line ends", event: .init(data: "a\n\rb"), bytes: "data: a\ndata:\ndata: b\n\n"),
    .init(name: "CR CRLF in data", event: .init(data: "a\r\r\nb"), bytes: "data: a\ndata:\ndata: b\n\n"),
    .init(name: "trailing LF in data", event: .init(data: "a\n"), bytes: "data: a\ndata:\n\n"),
    .init(name: "trailing CRLF in data", event: .init(data: "a\r\n"), bytes: "data: a\ndata:\n\n"),
    .init(name: "leading line end in data", event: .init(data: "\na"), bytes: "data:\ndata: a\n\n"),
    .init(name: "data of one LF", event: .init(data: "\n"), bytes: "data:\ndata:\n\n"),
    .init(name: "data starting with a space keeps it", event: .init(data: " x"), bytes: "data:  x\n\n"),
    .init(
        name: "colon, NUL and non-ASCII in data are written as they are",
        event: .init(data: "a: b\0é😀"),
        bytes: "data: a: b\0é😀\n\n"
    ),
    .init(name: "event without data", event: .init(event: "ping"), bytes: "event: ping\n\n"),
    .init(name: "empty event name", event: .init(data: "x", event: ""), bytes: "event:\ndata: x\n\n"),
    .init(name: "id alone", event: .init(id: "42"), bytes: "id: 42\n\n"),
    .init(name: "empty id resets the last event id", event: .init(id: ""), bytes: "id:\n\n"),
    .init(name: "retry alone", event: .init(retry: 6000), bytes: "retry: 6000\n\n"),
    .init(name: "retry 0", event: .init(retry: 0), bytes: "retry: 0\n\n"),
    .init(name: "largest retry", event: .init(retry: Int.max), bytes: "retry: 9223372036854775807\n\n"),
    // A comment alone ends without a blank line: it dispatches nothing either way.
    .init(name: "comment alone", event: .init(comment: "heartbeat"), bytes: ": heartbeat\n"),
    .init(name: "empty comment", event: .init(comment: ""), bytes: ":\n"),
    .init(name: "comment of lines", event: .init(comment: "a\nb\r\nc\rd"), bytes: ": a\n: b\n: c\n: d\n"),
    .init(name: "comment with an empty line", event: .init(comment: "a\n\nb"), bytes: ": a\n:\n: b\n"),
    .init(name: "trailing line end in comment", event: .init(comment: "a\r\n"), bytes: ": a\n:\n"),
    .init(
        name: "non-ASCII event name and id",
        event: .init(data: "x", event: "ünïcode 😀", id: "id: with colon"),
        bytes: "event: ünïcode 😀\nid: id: with colon\ndata: x\n\n"
    ),
]

@Test("encodes exactly", arguments: vectors)
func encodes(_ vector: EncoderVector) throws {
    var buffer = ByteBuffer()
    let written = try buffer.writeServerSentEvent(vector.event)
    let bytes = Array(buffer.readableBytesView)
    #expect(
        bytes == Array(vector.bytes.utf8),
        "wrote \(String(decoding: bytes, as: UTF8.self).debugDescription)"
    )
    #expect(written == bytes.count)
}

@Test func emptyEventWritesNothing() throws {
    var buffer = ByteBuffer(string: "before")
    let written = try buffer.writeServerSentEvent(ServerSentEvent())
    #expect(written == 0)
    #expect(buffer == ByteBuffer(string: "before"))
}

@Test func appendsAfterWhatIsInTheBuffer() throws {
    var buffer = ByteBuffer(string: ": hi\n\n")
    let written = try buffer.writeServerSentEvent(ServerSentEvent(data: "a\nb"))
    #expect(written == 17)
    #expect(buffer == ByteBuffer(string: ": hi\n\ndata: a\ndata: b\n\n"))
}

@Test func encodesLongDataSpanningManyLines() throws {
    let data = Array(repeating: String(repeating: "x", count: 100), count: 1000).joined(separator: "\r\n")
    var buffer = ByteBuffer()
    try buffer.writeServerSentEvent(ServerSentEvent(data: data))
    let expected = Array(repeating: "data: " + String(repeating: "x", count: 100) + "\n", count: 1000).joined() + "\n"
    #expect(buffer == ByteBuffer(string: expected))
}

/// An event the encoder must refuse, and the error it must throw.
struct InvalidEventVector: Sendable, CustomTestStringConvertible {
    var event: ServerSentEvent
    var error: EventEncodingError
    var description: String

    var testDescription: String { description }
}

private let invalidEvents: [InvalidEventVector] = [
    .init(
        event: .init(data: "x", event: "a\nb"),
        error: .invalidCharacter(field: "event", character: "LF"),
        description: "event name must not contain a line feed (LF)"
    ),
    .init(
        event: .init(event: "a\r"),
        error: .invalidCharacter(field: "event", character: "CR"),
        description: "event name must not contain a carriage return (CR)"
    ),
    .init(
        event: .init(event: "\0"),
        error: .invalidCharacter(field: "event", character: "NUL"),
        description: "event name must not contain a NUL character (U+0000)"
    ),
    .init(
        event: .init(data: "x", id: "1\n"),
        error: .invalidCharacter(field: "id", character: "LF"),
        description: "event id must not contain a line feed (LF)"
    ),
    .init(
        event: .init(id: "\r\n"),
        error: .invalidCharacter(field: "id", character: "CR"),
        description: "event id must not contain a carriage return (CR)"
    ),
    .init(
        event: .init(id: "a\0b"),
        error: .invalidCharacter(field: "id", character: "NUL"),
        description: "event id must not contain a NUL character (U+0000)"
    ),
    .init(
        event: .init(data: "x", retry: -1),
        error: .negativeRetry(-1),
        description: "retry must be a number of milliseconds of 0 or more, not -1"
    ),
    .init(
        event: .init(event: "a\nb", id: "\0", retry: -5),
        error: .invalidCharacter(field: "event", character: "LF"),
        description: "event name must not contain a line feed (LF)"
    ),
    .init(
        event: .init(id: "\0", retry: -5),
        error: .invalidCharacter(field: "id", character: "NUL"),
        description: "event id must not contain a NUL character (U+0000)"
    ),
]

@Test("refuses invalid events and writes nothing", arguments: invalidEvents)
func refuses(_ vector: InvalidEventVector) {
    var buffer = ByteBuffer(string: "before")
    #expect(throws: vector.error) {
        try buffer.writeServerSentEvent(vector.event)
    }
    #expect(buffer == ByteBuffer(string: "before"))
    #expect(throws: vector.error) {
        try vector.event.validate()
    }
    #expect(vector.error.description == vector.description)
}

/// Events just inside the rules: in `event` and `id`, characters beside the
/// forbidden CR, LF and NUL (tab, vertical tab, form feed, NEL, U+2028, U+2029, DEL),
/// which the event-stream format does not end a line on; retry 0.
private let nearMisses: [EncoderVector] = [
    .init(name: "tab in event", event: .init(data: "x", event: "a\tb"), bytes: "event: a\tb\ndata: x\n\n"),
    .init(
        name: "vertical tab and form feed in id", event: .init(id: "1\u{0B}2\u{0C}3"), bytes: "id: 1\u{0B}2\u{0C}3\n\n"),
    .init(name: "NEL in event", event: .init(event: "a\u{85}b"), bytes: "event: a\u{85}b\n\n"),
    .init(
        name: "line and paragraph separators in id", event: .init(id: "a\u{2028}b\u{2029}"),
        bytes: "id: a\u{2028}b\u{2029}\n\n"),
    .init(name: "DEL in event", event: .init(event: "\u{7F}"), bytes: "event: \u{7F}\n\n"),
    .init(name: "retry 0 with an id", event: .init(id: "0", retry: 0), bytes: "id: 0\nretry: 0\n\n"),
]

/// `validate()` is what the encoder checks: it accepts what is just inside the
/// rules (a stricter check would refuse events a script may send), and the
/// accepted event is written as it is.
@Test("accepts what is just inside the rules", arguments: nearMisses)
func acceptsNearMisses(_ vector: EncoderVector) throws {
    #expect(throws: Never.self) { try vector.event.validate() }
    var buffer = ByteBuffer()
    try buffer.writeServerSentEvent(vector.event)
    #expect(String(buffer: buffer) == vector.bytes)
}
