internal import EventStream
internal import FeedClient
internal import Foundation
internal import Testing

/// `ssescript record`, the built binary, against a Python server (`Resources/feed_server.py`).
@Suite(.timeLimit(.minutes(1))) struct RecordCommandTests {
    @Test func recordsTheTrickyStreamExactlyWithSensibleTimes() throws {
        let server = try FeedServer()
        defer { server.stop() }
        let path = temporaryPath("tricky.sserec")
        let started = Date()
        let result = try ssescript(["record", server.url("/tricky"), "-o", path, "--events", "4"])
        let took = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("recorded 4 events in"), "\(result.errors)")
        let recording = try Recording(contentsOfFile: path)
        // The 4th event ends the recording: the id-only record after it never comes.
        #expect(recording.events.map(\.event) == Array(StreamTranscriberTests.trickyEvents.prefix(5)))
        #expect(recording.metadata("url") == server.url("/tricky"))
        #expect(recording.metadata("started")?.hasSuffix("Z") == true)
        #expect(recording.metadata("end")?.hasPrefix("event limit after ") == true)
        // The server sends its 12 chunks 50 ms apart: times grow, within the run's length.
        let times = recording.events.map {
            Double($0.time.components.seconds) + Double($0.time.components.attoseconds) / 1e18
        }
        #expect(times == times.sorted())
        #expect(times.last! > 0.2 && times.last! < took)
        #expect(times.last! - times.first! > 0.15, "\(times)")
    }

    @Test func theWholeStreamWithCommentsFollowingARedirect() throws {
        let server = try FeedServer()
        defer { server.stop() }
        let path = temporaryPath("redirected.sserec")
        let recorder = try Spawned(Binary.path, ["record", server.url("/redirect"), "-o", path, "--comments"])
        // The last record (the id-only one) is written at once: wait for it, then stop.
        try waitUntil(seconds: 10) { (try? String(contentsOfFile: path, encoding: .utf8))?.contains("id: 7") == true }
        recorder.signal(SIGINT)
        let result = recorder.finish()
        #expect(result.status == 0, "\(result.errors)")
        let recording = try Recording(contentsOfFile: path)
        #expect(
            recording.events.map(\.event) == [ServerSentEvent(comment: "hello")] + StreamTranscriberTests.trickyEvents)
        #expect(recording.metadata("end")?.hasPrefix("interrupted after ") == true)
    }

    @Test func durationStopsASilentStreamWithACompleteFile() throws {
        let server = try FeedServer()
        defer { server.stop() }
        let path = temporaryPath("echo.sserec")
        let started = Date()
        let result = try ssescript(
            ["record", server.url("/echo"), "-o", path, "--duration", "1.5", "-H", "X-Feed-Test: hello there"])
        let took = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.errors)")
        #expect(took >= 1.5 && took < 10, "\(took) s")
        let recording = try Recording(contentsOfFile: path)
        #expect(recording.events.map(\.event) == [ServerSentEvent(data: "hello there")])
        #expect(recording.metadata("end")?.hasPrefix("duration limit after 1.") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix(", 1 event\n"))
    }

    @Test func sigintLeavesACompleteFile() throws {
        let server = try FeedServer()
        defer { server.stop() }
        let path = temporaryPath("tick.sserec")
        let recorder = try Spawned(Binary.path, ["record", server.url("/tick?ms=20"), "-o", path])
        try waitUntil(seconds: 10) { (try? Recording(contentsOfFile: path))?.events.count ?? 0 >= 10 }
        recorder.signal(SIGINT)
        let result = recorder.finish()
        #expect(result.status == 0, "\(result.errors)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let recording = try Recording(parsing: text)
        #expect(text.hasSuffix("events\n") && recording.metadata("end")?.hasPrefix("interrupted") == true)
        let events = recording.events.map(\.event)
        #expect(events.count >= 10)
        for (index, event) in events.enumerated() {
            #expect(event.id == String(index + 1) && event.data?.hasSuffix(" \(index + 1)") == true)
        }
        #expect(result.errors.contains("recorded \(events.count) events in"))
    }

    @Test func aStreamThatEndsAndErrorsThatExplainThemselves() throws {
        let server = try FeedServer()
        defer { server.stop() }
        let path = temporaryPath("ending.sserec")
        let ended = try ssescript(["record", server.url("/ending"), "-o", path])
        #expect(ended.status == 0, "\(ended.errors)")
        let recording = try Recording(contentsOfFile: path)
        #expect(recording.events.map(\.event.data) == ["one", "two"])
        #expect(recording.metadata("end")?.hasPrefix("stream ended after ") == true)

        let missing = try ssescript(["record", server.url("/missing"), "-o", path])
        #expect(missing.status == 1)
        #expect(missing.errors.contains("the server answered 404 Not Found, not 200"), "\(missing.errors)")
        #expect(
            try Recording(contentsOfFile: path).metadata("end") == "error: the server answered 404 Not Found, not 200")

        let refused = try ssescript(["record", "http://127.0.0.1:1/feed", "-o", path])
        #expect(refused.status == 1 && refused.errors.contains("Connection refused"), "\(refused.errors)")
        let tls = try ssescript(["record", "https://127.0.0.1:\(server.port)/tricky", "-o", path])
        #expect(tls.status == 1 && tls.errors.contains("TLS handshake failed"), "\(tls.errors)")
        let badHeader = try ssescript(["record", server.url("/tricky"), "-H", "no colon"])
        #expect(badHeader.status != 0 && badHeader.errors.contains("-H takes a header as 'Name: value'"))
    }

    @Test func standardOutputByDefault() throws {
        let server = try FeedServer()
        defer { server.stop() }
        let result = try ssescript(["record", server.url("/ending")])
        #expect(result.status == 0)
        let recording = try Recording(parsing: result.output)
        #expect(recording.events.map(\.event.data) == ["one", "two"])
    }
}

/// Polls `condition` every 20 ms until it holds; throws after `seconds`.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        usleep(20_000)
    }
}

struct TimedOut: Error {}
