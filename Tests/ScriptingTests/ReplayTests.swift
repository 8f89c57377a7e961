import EventStream
import FeedClient
import Foundation
import Testing

/// `sse.replay(file, options)`: recordings played to clients with their timing.
@Suite(.timeLimit(.minutes(1))) struct ReplayTests {
    /// A recording file of `events` (seconds, data, id) in a new directory; returns its path.
    static func recording(_ events: [(Double, String, String?)], end: Double? = nil) throws -> String {
        let timed = events.map { time, data, id in
            TimedEvent(time: .nanoseconds(Int64(time * 1e9)), event: ServerSentEvent(data: data, id: id))
        }
        var metadata = [Metadata(name: "url", value: "http://example.invalid/feed")]
        if let end {
            metadata.append(Metadata(name: "end", value: "interrupted after \(end) s, \(events.count) events"))
        }
        let path = try TemporaryScript.directory() + "/feed.sserec"
        try Recording(metadata: metadata, events: timed).text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The gaps between consecutive arrivals.
    static func gaps(_ arrivals: [TimedReader.Arrival]) -> [Double] {
        zip(arrivals, arrivals.dropFirst()).map { $1.time - $0.time }
    }

    @Test func aClientGetsTheRecordingWithItsTimingScaledBySpeed() async throws {
        let file = try Self.recording([
            (0.1, "a", "1"), (0.3, "b", "2"), (0.7, "c", "3"), (0.7, "d", "4"), (1.1, "e", "5"),
        ])
        let script = """
            sse.stream("/play", function(client)
              local replay = assert(sse.replay("\(file)", { client = client, speed = 2 }))
              local done, why = replay:wait()
              client:send{ event = "done", data = tostring(done) .. " " .. tostring(why) }
              client:close()
            end)
            """
        try await withLiveServer(script: script) { live in
            let arrivals = try await TimedReader.read(live.url("/play"))
            #expect(arrivals.map(\.event.data) == ["a", "b", "c", "d", "e", "true nil"])
            #expect(arrivals.prefix(5).map(\.event.id) == ["1", "2", "3", "4", "5"])
            // Recorded gaps 0.2, 0.4, 0, 0.4 s, at twice the speed.
            let gaps = Self.gaps(Array(arrivals.prefix(5)))
            for (gap, expected) in zip(gaps, [0.1, 0.2, 0.0, 0.2]) {
                #expect(abs(gap - expected) < 0.04, "gaps \(gaps)")
            }
            #expect(arrivals[0].time > 0.03 && arrivals[0].time < 0.1, "the first event after 0.05 s")
        }
    }

    @Test func fromSkipsTheStartAndLoopStartsAgainAfterTheRecordingsEnd() async throws {
        // Events at 0.1, 0.2, 0.3 s; the recording lasted 0.5 s. From 0.2: b at 0, c at 0.1, then b again at 0.3.
        let file = try Self.recording([(0.1, "a", nil), (0.2, "b", nil), (0.3, "c", nil)], end: 0.5)
        let script = """
            sse.stream("/loop", function(client)
              local replay = assert(sse.replay("\(file)", { client = client, from = 0.2, loop = true }))
              sse.sleep(1.1)
              replay:cancel()
              client:send{ event = "done", data = tostring(select(2, replay:wait())) }
              client:close()
            end)
            """
        try await withLiveServer(script: script) { live in
            let arrivals = try await TimedReader.read(live.url("/loop"))
            #expect(arrivals.map(\.event.data) == ["b", "c", "b", "c", "b", "c", "b", "c", "cancelled"])
            let gaps = Self.gaps(Array(arrivals.dropLast()))
            for (gap, expected) in zip(gaps, [0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1]) {
                #expect(abs(gap - expected) < 0.04, "gaps \(gaps)")
            }
        }
    }

    @Test func aReplayToAClientThatGoesStopsAndSaysSo() async throws {
        let log = LogRecorder()
        let file = try Self.recording([(0, "one", nil), (0.2, "two", nil), (5, "never", nil)])
        let script = """
            sse.stream("/play", function(client)
              local replay = assert(sse.replay("\(file)", { client = client }))
              sse.after(0, function()   -- a timer waits: the handler of a client that goes ends with it
                local done, why = replay:wait()
                sse.log("replay ended: " .. tostring(done) .. " " .. tostring(why))
              end)
            end)
            """
        try await withLiveServer(script: script, logger: log.logger) { live in
            let connection = try RawConnection(port: live.port)
            connection.send("GET /play HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = connection.read(until: "data: two")
            connection.close()
            try await waitUntil(seconds: 1.5) { log.contains("replay ended: nil client gone") }  // not at 5 s
        }
    }

    @Test func aReplayToATopicKeepsIdsInItsHistoryForResumingClients() async throws {
        let file = try Self.recording([(0, "one", "1"), (0.05, "two", "2"), (0.1, "three", "3")])
        let script = """
            sse.stream("/feed")
            sse.post("/play", function()
              local replay, err = sse.replay("\(file)", { to = "/feed" })
              if not replay then return 500, err end
              replay:wait()
              return 204
            end)
            """
        try await withLiveServer(script: script) { live in
            let watcher = EventCollector(live.url("/feed"))
            try await waitUntil { try await live.onScriptLoop { live.server.hub.count(topic: "/feed") } == 1 }
            #expect(try await SSEClient.fetch(live.url("/play"), method: .POST).status == 204, "after the replay ended")
            try await watcher.waitFor { $0 == ["one", "two", "three"] }
            let resumed = try await withTimeout(10) {
                var stream = try await SSEClient.open(live.url("/feed"), headers: [("Last-Event-ID", "1")])
                return try await stream.next(2)
            }
            #expect(resumed.map(\.data) == ["two", "three"])
        }
    }

    @Test func aFileThatCannotBeReadOrIsNotARecordingIsNilAndAMessage() async throws {
        let directory = try TemporaryScript.directory()
        try "# ssescript recording 1\n\n@0.5\ndata: x\n\n@0.1\ndata: y\n".write(
            toFile: directory + "/backwards.sserec", atomically: true, encoding: .utf8)
        let script = """
            sse.get("/try", function(req)
              local replay, err = sse.replay(req.query.file, { to = "/t" })
              return tostring(replay) .. " | " .. tostring(err)
            end)
            sse.get("/misuse", function(req)
              local ok, err = pcall(sse.replay, "x.sserec", req.query.how == "speed" and { to = "/t", speed = 0 } or {})
              return tostring(err)
            end)
            """
        let path = try TemporaryScript.write(script)
        try FileManager.default.copyItem(
            atPath: directory + "/backwards.sserec",
            toPath: URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("backwards.sserec")
                .path)
        try await withLiveServer(script: "file:" + path) { live in
            let missing = try await SSEClient.fetch(live.url("/try?file=missing.sserec")).body
            #expect(missing.hasPrefix("nil | cannot open "), "\(missing)")
            #expect(missing.hasSuffix("missing.sserec: No such file or directory"), "\(missing)")
            let backwards = try await SSEClient.fetch(live.url("/try?file=backwards.sserec")).body
            #expect(backwards.hasPrefix("nil | "), "\(backwards)")
            #expect(backwards.contains("backwards.sserec:6: times must not go back"), "file:line: \(backwards)")
            let neither = try await SSEClient.fetch(live.url("/misuse")).body
            #expect(
                neither.contains("bad argument #2") && neither.contains("to = \"/topic\" or client = c"), "\(neither)")
            let speed = try await SSEClient.fetch(live.url("/misuse?how=speed")).body
            #expect(speed.contains("bad argument #2") && speed.contains("speed"), "\(speed)")
        }
    }

    /// `ssescript record` against a feed served by Python, then that recording
    /// served again by `sse.replay`: the gaps a client sees are the recorded ones.
    @Test func aFeedRecordedFromAnotherServerIsServedAgainWithItsTiming() async throws {
        let feed = try PythonFeedServer()
        defer { feed.stop() }
        let directory = try TemporaryScript.directory()
        let file = directory + "/tick.sserec"
        let recorded = try await onOwnThread {
            try run(RunningBinary.path, ["record", feed.url("/tick?ms=120"), "-o", file, "--events", "6"])
        }
        #expect(recorded.status == 0, "\(recorded.errors)")
        let recording = try Recording(contentsOfFile: file)
        try #require(recording.events.count == 6)
        let times = recording.events.map {
            Double($0.time.components.seconds) + Double($0.time.components.attoseconds) / 1e18
        }
        let script = """
            sse.stream("/tick", function(client)
              assert(sse.replay("tick.sserec", { client = client })):wait()
              client:close()
            end)
            """
        try script.write(toFile: directory + "/tick.lua", atomically: true, encoding: .utf8)
        try await withLiveServer(script: "file:" + directory + "/tick.lua") { live in
            let arrivals = try await TimedReader.read(live.url("/tick"))
            #expect(arrivals.map(\.event.id) == recording.events.map(\.event.id))
            #expect(arrivals.map(\.event.data) == recording.events.map(\.event.data))
            let recordedGaps = zip(times, times.dropFirst()).map { $1 - $0 }
            let replayedGaps = Self.gaps(arrivals)
            for (replayed, original) in zip(replayedGaps, recordedGaps) {
                #expect(abs(replayed - original) < 0.04, "replayed \(replayedGaps), recorded \(recordedGaps)")
            }
        }
    }
}
