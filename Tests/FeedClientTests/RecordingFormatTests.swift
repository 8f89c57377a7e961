internal import EventStream
internal import FeedClient
internal import Foundation
internal import Testing

/// The recording format: written as RECORDING.md says, read back exactly, errors by line.
@Suite struct RecordingFormatTests {
    /// Events whose fields hold what breaks naive formats.
    static let tricky: [ServerSentEvent] = [
        ServerSentEvent(data: "first\nsecond\nthird", event: "greeting", id: "1"),
        ServerSentEvent(data: ""),
        ServerSentEvent(data: "\n"),
        ServerSentEvent(data: "ends with LF\n"),
        ServerSentEvent(data: "CR\ronly\rline ends\r"),
        ServerSentEvent(data: "CRLF\r\nin data"),
        ServerSentEvent(data: "naïve ✓ 😀 e\u{301} 中文"),
        ServerSentEvent(data: "  leading spaces, trailing space ", id: ""),
        ServerSentEvent(data: "tab\t, backslash \\ and \\r as text, NUL \u{0}, ESC \u{1B}, DEL \u{7F}"),
        ServerSentEvent(data: "U+2028 \u{2028} U+2029 \u{2029} NEL \u{85} BOM \u{FEFF}"),
        ServerSentEvent(retry: 2500),
        ServerSentEvent(id: "7"),
        ServerSentEvent(id: "with\nLF and \r CR"),
        ServerSentEvent(event: "only a type"),
        ServerSentEvent(comment: "heartbeat"),
        ServerSentEvent(comment: ""),
        ServerSentEvent(comment: "two\nlines"),
        ServerSentEvent(data: "all", event: "kind", id: "x", retry: 0, comment: "note"),
        ServerSentEvent(data: "\\u{41} is not A"),
    ]

    @Test func trickyEventsRoundTrip() throws {
        let events = Self.tricky.enumerated().map { index, event in
            TimedEvent(time: .microseconds(index * 1_250_001), event: event)
        }
        let recording = Recording(
            metadata: [Metadata(name: "url", value: "https://example.com/feed?a=1")], events: events)
        let read = try Recording(parsing: recording.text)
        #expect(read == recording)
        for (original, back) in zip(recording.events, read.events) {
            #expect(original == back, "\(original.event)")
        }
        #expect(read.metadata("url") == "https://example.com/feed?a=1")
    }

    @Test func theFileReadsLikeTheStream() {
        let recording = Recording(
            metadata: [Metadata(name: "url", value: "http://127.0.0.1:8080/sse")],
            events: [
                TimedEvent(time: .microseconds(412), event: ServerSentEvent(retry: 6000)),
                TimedEvent(
                    time: .seconds(1) + .microseconds(5),
                    event: ServerSentEvent(data: "line one\nline two", event: "tick", id: "42")),
                TimedEvent(time: .seconds(2), event: ServerSentEvent(data: "")),
                TimedEvent(time: .seconds(3), event: ServerSentEvent(data: "a\tb\r\nc ")),
            ])
        #expect(
            recording.text == """
                # ssescript recording 1
                # url: http://127.0.0.1:8080/sse

                @0.000412
                retry: 6000

                @1.000005
                event: tick
                id: 42
                data: line one
                data: line two

                @2.000000
                data:

                @3.000000
                data: a\\tb\\r
                data: c\\u{20}

                """)
    }

    @Test func crlfFilesHandEditsAndCommentsAreRead() throws {
        let text = [
            "# ssescript recording 1", "# url: http://x/", "# a note for people, not metadata",
            "", "", "@0.5", "id: 3", "data: x", "", "# between records", "@1", ":  spaced",
            "data:", "data: \\u{41}\\u{1F600}",
        ].joined(separator: "\r\n")
        let recording = try Recording(parsing: text)
        #expect(recording.metadata == [Metadata(name: "url", value: "http://x/")])
        #expect(
            recording.events == [
                TimedEvent(time: .milliseconds(500), event: ServerSentEvent(data: "x", id: "3")),
                TimedEvent(time: .seconds(1), event: ServerSentEvent(data: "\nA😀", comment: " spaced")),
            ])
    }

    @Test func errorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("data: x\n", 1, "not an ssescript recording"),
            ("", 1, "empty file"),
            ("# ssescript recording 1\ndata: x\n", 2, "a field line outside a record"),
            ("# ssescript recording 1\n@soon\ndata: x\n", 2, "a time line is @ and seconds"),
            ("# ssescript recording 1\n@2\ndata: x\n\n@1\ndata: y\n", 5, "times must not go back"),
            ("# ssescript recording 1\n@1\nnews: x\n", 3, "unknown field \"news\""),
            ("# ssescript recording 1\n@1\nid: 1\nid: 2\n", 4, "a second id line"),
            ("# ssescript recording 1\n@1\nretry: 1.5\n", 3, "retry is a whole number"),
            ("# ssescript recording 1\n@1\ndata: \\q\n", 3, "unknown escape \\q"),
            ("# ssescript recording 1\n@1\ndata: \\u{110000}\n", 3, "bad escape"),
            ("# ssescript recording 1\n@1\ndata: a\rb\n", 3, "a carriage return"),
            ("# ssescript recording 1\n@1\ndata: a\n@2\n", 4, "a time line inside a record"),
            ("# ssescript recording 1\n@1\n\n", 3, "a record with a time and no field"),
            ("# ssescript recording 1\n@1\ndata\n", 3, "has no colon"),
        ]
        for (text, line, reason) in cases {
            #expect {
                try Recording(parsing: text)
            } throws: { error in
                guard let error = error as? RecordingFormatError else { return false }
                return error.line == line && error.reason.contains(reason)
            }
        }
    }

    @Test func readsAFileAndSaysWhichOneIsWrong() throws {
        let path = temporaryPath("bad.sserec")
        try "# ssescript recording 1\n@1\nnews: x\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            throws: RecordingFormatError(
                file: path, line: 3,
                reason: "unknown field \"news\"; a record has data, event, id, retry and : comment lines")
        ) {
            try Recording(contentsOfFile: path)
        }
        #expect(throws: FileError.self) { try Recording(contentsOfFile: "/nonexistent/feed.sserec") }
    }
}
