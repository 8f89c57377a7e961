import Foundation
import OpenAPIRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a stream with swift-openapi-runtime's decoder and notes when each event
/// arrived, for tests that check timing.
enum TimedReader {
    struct Arrival: Sendable {
        var event: OpenAPIRuntime.ServerSentEvent
        /// Seconds since the stream's head arrived.
        var time: Double
    }

    /// The stream's events until it ends or `count` came.
    static func read(_ url: String, count: Int = .max, headers: [(String, String)] = [], seconds: Double = 20)
        async throws -> [Arrival]
    {
        try await withTimeout(seconds) {
            var stream = try await SSEClient.open(url, headers: headers)
            let opened = Date()
            var arrivals: [Arrival] = []
            while arrivals.count < count, let event = try await stream.next() {
                arrivals.append(Arrival(event: event, time: Date().timeIntervalSince(opened)))
            }
            return arrivals
        }
    }
}

/// `Tests/FeedClientTests/Resources/feed_server.py`: an SSE server written in
/// Python, not ssescript, on a free port of 127.0.0.1; stopped by its pid.
final class PythonFeedServer: Sendable {
    private let pid: pid_t
    let port: Int

    init() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Repository.path("Tests/FeedClientTests/Resources/feed_server.py")]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 { line.append(byte) }
        pid = process.processIdentifier
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(pid, SIGKILL)
            throw BrowserError("feed_server.py did not start")
        }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
