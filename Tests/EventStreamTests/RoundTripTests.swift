// Property tests: whatever an event holds, what a client parses is what the script sent.

import EventStream
import NIOCore
import Testing

/// Pieces random texts are made of: line ends of every kind, blank lines, colons and spaces that
/// look like fields, non-ASCII, emoji, a combining mark, a BOM, NUL.
private let textPieces = [
    "a", "Z", "0", " ", "  ", ":", ": ", "data: ", "id:", "\n", "\r", "\r\n", "\n\n", "\r\r", "\n\r",
    "é", "e\u{301}", "日本", "😀", "👩‍👩‍👧", "\u{FEFF}", "\0", "\t", "\u{2028}", "\u{FFFD}",
]

/// The same pieces without CR, LF and NUL, for event names and ids.
private let namePieces = textPieces.filter { piece in
    !piece.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
}

private func randomText(from pieces: [String], maximumPieces: Int, using generator: inout SplitMix64) -> String {
    let count = Int.random(in: 0...maximumPieces, using: &generator)
    return (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
}

/// `text` with CRLF and CR replaced by LF, as a client reads it.
private func normalizingLineEnds(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    var afterCR = false
    for scalar in text.unicodeScalars {
        defer { afterCR = scalar == "\r" }
        if afterCR, scalar == "\n" {
            continue
        }
        scalars.append(scalar == "\r" ? "\n" : scalar)
    }
    return String(scalars)
}

private func randomEvent(using generator: inout SplitMix64) -> ServerSentEvent {
    func maybe<T>(_ make: (inout SplitMix64) -> T) -> T? {
        Bool.random(using: &generator) ? make(&generator) : nil
    }
    return ServerSentEvent(
        data: maybe { randomText(from: textPieces, maximumPieces: 12, using: &$0) },
        event: maybe { randomText(from: namePieces, maximumPieces: 4, using: &$0) },
        id: maybe { randomText(from: namePieces, maximumPieces: 4, using: &$0) },
        retry: maybe { Int.random(in: 0...100_000, using: &$0) },
        comment: maybe { randomText(from: textPieces, maximumPieces: 6, using: &$0) }
    )
}

/// What a client must report for `event`, sent after events that left `lastEventID` as it is.
private func expectedItems(for event: ServerSentEvent, lastEventID: inout String) -> [EventStreamParser.Item] {
    var items: [EventStreamParser.Item] = []
    if let comment = event.comment {
        items += normalizingLineEnds(comment).split(separator: "\n", omittingEmptySubsequences: false)
            .map { .comment(String($0)) }
    }
    if let retry = event.retry {
        items.append(.retry(retry))
    }
    lastEventID = event.id ?? lastEventID
    if let data = event.data {
        let type = (event.event ?? "").isEmpty ? "message" : event.event!
        items.append(.event(MessageEvent(type: type, data: normalizingLineEnds(data), lastEventID: lastEventID)))
    }
    return items
}

@Test func randomEventsRoundTrip() throws {
    var generator = SplitMix64(seed: 0x5353_4553_6372_6970)
    var stream = ByteBuffer()
    var expected: [EventStreamParser.Item] = []
    var lastEventID = ""
    for _ in 0..<2000 {
        let event = randomEvent(using: &generator)
        try stream.writeServerSentEvent(event)
        expected += expectedItems(for: event, lastEventID: &lastEventID)
    }

    let bytes = Array(stream.readableBytesView)
    for chunking in [Chunking.random(seed: 1, maximumSize: 16), .random(seed: 2, maximumSize: 300)] {
        let result = chunking.parse(bytes)
        #expect(result.items.count == expected.count, "in \(chunking)")
        for (got, want) in zip(result.items, expected) where got != want {
            Issue.record("in \(chunking): got \(got), expected \(want)")
            break
        }
        // Equality of strings is canonical equivalence: compare the bytes too.
        let gotBytes = result.items.map { item in
            guard case .event(let event) = item else { return [UInt8]() }
            return Array(event.data.utf8) + Array(event.type.utf8) + Array(event.lastEventID.utf8)
        }
        let wantBytes = expected.map { item in
            guard case .event(let event) = item else { return [UInt8]() }
            return Array(event.data.utf8) + Array(event.type.utf8) + Array(event.lastEventID.utf8)
        }
        #expect(gotBytes == wantBytes, "in \(chunking)")
        #expect(result.lastEventID == lastEventID)
    }
}

@Test func randomDataRoundTripsAlone() throws {
    var generator = SplitMix64(seed: 42)
    for _ in 0..<2000 {
        let data = randomText(from: textPieces, maximumPieces: 16, using: &generator)
        var buffer = ByteBuffer()
        try buffer.writeServerSentEvent(ServerSentEvent(data: data))
        let chunking = Chunking.random(seed: generator.next(), maximumSize: 5)
        let items = chunking.parse(Array(buffer.readableBytesView)).items
        guard items.count == 1, case .event(let event) = items[0] else {
            Issue.record("\(data.debugDescription) gave \(items)")
            continue
        }
        #expect(Array(event.data.utf8) == Array(normalizingLineEnds(data).utf8), "\(data.debugDescription)")
    }
}
