import AsyncHTTPClient
import Foundation
import OpenAPIRuntime
import Synchronization

/// Reads one stream in the background and keeps every event's data, so a test can
/// change things (edit the script, reload, publish) and then look at what arrived
/// on that same connection.
final class EventCollector: Sendable {
    private final class Received: Sendable {
        let events = Mutex<[OpenAPIRuntime.ServerSentEvent]>([])
        let arrivals = Mutex<[ContinuousClock.Instant]>([])
        let ended = Mutex(false)
        let opened = Mutex(false)
    }

    private let received = Received()
    private let task: Task<Void, Never>

    init(_ url: String, headers: [(String, String)] = [], client: HTTPClient = testHTTPClient) {
        let received = self.received
        task = Task {
            do {
                var stream = try await SSEClient.open(url, headers: headers, client: client)
                received.opened.withLock { $0 = true }
                while let event = try await stream.next() {
                    received.events.withLock { $0.append(event) }
                    received.arrivals.withLock { $0.append(.now) }
                }
            } catch {}
            received.ended.withLock { $0 = true }
        }
    }

    deinit { task.cancel() }

    var events: [OpenAPIRuntime.ServerSentEvent] { received.events.withLock { $0 } }
    var data: [String] { events.compactMap(\.data) }
    /// The longest time between two events received.
    var longestGap: Duration {
        let times = received.arrivals.withLock { $0 }
        return zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero
    }

    /// Whether the response head has come (the stream is open).
    var isOpen: Bool { received.opened.withLock { $0 } }

    /// Whether the stream ended (the server closed it or the connection failed).
    var hasEnded: Bool { received.ended.withLock { $0 } }

    /// Waits until `condition` holds for the data received so far.
    func waitFor(seconds: Double = 10, _ condition: ([String]) -> Bool) async throws {
        try await waitUntil(seconds: seconds) { condition(data) }
    }

    func stop() { task.cancel() }
}
