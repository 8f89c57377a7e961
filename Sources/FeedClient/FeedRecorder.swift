// `ssescript record`: reads any SSE endpoint with AsyncHTTPClient and writes what arrives as a recording.

internal import AsyncHTTPClient
internal import EventStream
internal import NIOCore
public import NIOHTTP1
internal import NIOSSL

/// Records one feed: connects with AsyncHTTPClient (http or https, redirects followed, any
/// headers), parses the stream with `EventStreamParser` and writes each event to an `OutputFile`
/// as soon as its bytes are in, with its time since the response head arrived.
///
/// The file is a valid recording at every moment: its signature and metadata come first, every
/// record is one `write(2)`, and `record()` ends it with an `# end:` line however it ends.
public struct FeedRecorder: Sendable {
    /// What to record and when to stop.
    public struct Configuration: Sendable {
        public var url: String
        /// Request headers; they replace the defaults `Accept: text/event-stream` and `Cache-Control: no-cache`.
        public var headers: HTTPHeaders
        /// Stop after this long, counted from the start of `record()`.
        public var duration: Duration?
        /// Stop after this many events (records with data; `retry`, `id`-only and comment records do not count).
        public var eventLimit: Int?
        /// Whether comment lines (`: text`) are recorded; they are mostly heartbeats.
        public var keepsComments: Bool
        /// Accept any TLS certificate, as `curl -k` does (for development servers with a self-signed one).
        public var skipsCertificateVerification: Bool

        public init(
            url: String,
            headers: HTTPHeaders = [:],
            duration: Duration? = nil,
            eventLimit: Int? = nil,
            keepsComments: Bool = false,
            skipsCertificateVerification: Bool = false
        ) {
            self.url = url
            self.headers = headers
            self.duration = duration
            self.eventLimit = eventLimit
            self.keepsComments = keepsComments
            self.skipsCertificateVerification = skipsCertificateVerification
        }
    }

    /// Why a recording ended.
    public enum Ending: String, Sendable, Hashable {
        case eventLimit = "event limit"
        case durationLimit = "duration limit"
        case streamEnded = "stream ended"
        /// The task running `record()` was cancelled (Ctrl-C in `ssescript record`).
        case interrupted
    }

    /// How a recording went.
    public struct Summary: Sendable, Hashable {
        public var ending: Ending
        /// Events with data written.
        public var events: Int
        /// Records written, events included.
        public var records: Int
        /// Time from the response head to the end.
        public var elapsed: Duration
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Records until a limit, the stream's end, or cancellation, then writes the `# end:` line.
    /// Throws (after writing `# end: error: …`) when the server cannot be reached or refuses the
    /// stream, or the connection fails; events received before that stay in the file.
    public func record(to output: OutputFile) async throws -> Summary {
        try output.write(Recording.signature + "\n" + Metadata(name: "url", value: configuration.url).text)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        let progress = RecordingProgress()
        let result: Result<Ending, any Error>
        do {
            result = .success(try await recordUntilStopped(client: client, output: output, progress: progress))
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        let summary = progress.summary(ending: (try? result.get()) ?? .streamEnded)
        switch result {
        case .success:
            try output.write("\n" + Metadata(name: "end", value: summary.endLine).text)
            return summary
        case .failure(let error):
            try output.write("\n" + Metadata(name: "end", value: "error: \(FeedError.describe(error))").text)
            throw error
        }
    }

    private var clientConfiguration: HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.skipsCertificateVerification { tls.certificateVerification = .none }
        var client = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .follow(max: 10, allowCycles: false),
            timeout: .init(connect: .seconds(10), read: nil)
        )
        // A refused connection is an answer: say so at once rather than retry until the deadline.
        client.connectionPool.retryConnectionEstablishment = false
        return client
    }

    /// Runs the stream and, if there is a duration, a timer; the first to finish stops the other.
    private func recordUntilStopped(
        client: HTTPClient, output: OutputFile, progress: RecordingProgress
    ) async throws -> Ending {
        try await withThrowingTaskGroup(of: Ending?.self) { group in
            group.addTask { try await stream(client: client, output: output, progress: progress) }
            if let duration = configuration.duration {
                group.addTask {
                    try? await Task.sleep(for: duration)
                    return Task.isCancelled ? nil : .durationLimit
                }
            }
            var timeIsUp = false
            while let ending = try await group.next() {
                if ending == .durationLimit {
                    timeIsUp = true
                    group.cancelAll()
                } else if let ending {
                    group.cancelAll()
                    return timeIsUp ? .durationLimit : ending
                }
            }
            return .interrupted
        }
    }

    /// Reads the response and writes its events; returns why it stopped.
    private func stream(client: HTTPClient, output: OutputFile, progress: RecordingProgress) async throws -> Ending {
        let response: HTTPClientResponse
        do {
            // The deadline is for the response head; the body streams for as long as it lasts.
            response = try await client.execute(request, deadline: .now() + .seconds(30))
        } catch _ where Task.isCancelled {
            return .interrupted
        }
        try Self.check(response)
        let opened = ContinuousClock.now
        progress.open(at: opened)
        try output.write(Metadata(name: "started", value: WallClock.iso8601Now()).text)
        var transcriber = StreamTranscriber(keepsComments: configuration.keepsComments)
        do {
            for try await bytes in response.body {
                let time = Self.microseconds(ContinuousClock.now - opened)
                let events = transcriber.transcribe(bytes)
                if try write(events, at: time, to: output, progress: progress) { return .eventLimit }
            }
        } catch _ where Task.isCancelled {
            return .interrupted
        }
        return Task.isCancelled ? .interrupted : .streamEnded
    }

    /// Writes `events` as records in one write, up to the event limit; returns whether it was reached.
    private func write(
        _ events: [ServerSentEvent], at time: Duration, to output: OutputFile, progress: RecordingProgress
    ) throws -> Bool {
        var text = ""
        var reachedLimit = false
        for event in events {
            text += "\n" + RecordFormatter.record(TimedEvent(time: time, event: event))
            if progress.count(event) == configuration.eventLimit {
                reachedLimit = true
                break
            }
        }
        if !text.isEmpty { try output.write(text) }
        return reachedLimit
    }

    private var request: HTTPClientRequest {
        var request = HTTPClientRequest(url: configuration.url)
        request.headers = [
            "Accept": "text/event-stream", "Cache-Control": "no-cache", "User-Agent": "ssescript-record",
        ]
        for (name, value) in configuration.headers {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        return request
    }

    /// A response an `EventSource` would read: status 200 and `Content-Type: text/event-stream`.
    private static func check(_ response: HTTPClientResponse) throws {
        guard response.status == .ok else {
            throw FeedError.status(Int(response.status.code), response.status.reasonPhrase)
        }
        let type = response.headers.first(name: "content-type") ?? ""
        guard type.lowercased().hasPrefix("text/event-stream") else {
            throw FeedError.notAnEventStream(contentType: type)
        }
    }

    private static func microseconds(_ duration: Duration) -> Duration {
        let (seconds, attoseconds) = duration.components
        return .seconds(seconds) + .microseconds(attoseconds / 1_000_000_000_000)
    }
}

extension FeedRecorder.Summary {
    /// `stream ended after 12.000345 s, 42 events`.
    var endLine: String {
        "\(ending.rawValue) after \(RecordFormatter.seconds(elapsed)) s, \(events) event\(events == 1 ? "" : "s")"
    }
}
