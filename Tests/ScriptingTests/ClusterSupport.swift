import AsyncHTTPClient
import Cluster
import Foundation
import TestProcesses
import Logging
import NIOCore
import NIOPosix
import OpenAPIRuntime
import RedisClient
import Synchronization

/// A redis-server of its own and `count` live servers running `script` as one
/// cluster through it (nodes `node-1`, `node-2`, ...), for one test; all stopped
/// afterwards, whatever the body did.
func withCluster<T>(
    script: String, instances count: Int = 2, logger: Logger? = nil,
    _ body: (RedisServerProcess, [LiveServer]) async throws -> T
) async throws -> T {
    let redis = try RedisServerProcess()
    let path = try TemporaryScript.write(script)
    var servers: [LiveServer] = []
    do {
        for index in 1...count {
            servers.append(
                try await LiveServer.start(
                    script: "file:" + path, logger: logger, cluster: .local(redis, node: "node-\(index)")))
        }
        let result = try await body(redis, servers)
        for server in servers { try? await server.stop() }
        redis.stop()
        return result
    } catch {
        for server in servers { try? await server.stop() }
        redis.stop()
        throw error
    }
}

extension ClusterNode.Configuration {
    /// A node of the cluster on the test's own redis-server.
    static func local(_ redis: RedisServerProcess, node: String) -> ClusterNode.Configuration {
        ClusterNode.Configuration(url: try! RedisURL(parsing: redis.url), node: node)
    }
}

/// The test's own connection to the cluster's Redis, to look at what is kept there.
final class RedisProbe: Sendable {
    let connection: RedisConnection

    init(_ redis: RedisServerProcess) async throws {
        var logger = Logger(label: "test.probe")
        logger.logLevel = .critical
        connection = RedisConnection(
            configuration: RedisConfiguration(url: try RedisURL(parsing: redis.url)),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: logger)
        try await withTimeout(10) { [connection] in try await connection.start().get() }
    }

    func send(_ arguments: [String]) async throws -> RedisValue {
        try await withTimeout(10) { [connection] in try await connection.send(arguments).get() }
    }

    /// How many instances are subscribed to `topic`'s channel.
    func subscribers(of topic: String) async throws -> Int {
        let reply = try await send(["PUBSUB", "NUMSUB", "ssescript:{\(topic)}:notices"])
        return Int(reply.array?.last?.integer ?? 0)
    }

    /// Waits until `count` instances are subscribed to `topic`.
    func waitForSubscribers(_ count: Int, of topic: String, seconds: Double = 10) async throws {
        try await waitUntil(seconds: seconds) { try await subscribers(of: topic) == count }
    }

    /// The ids of the entries `topic`'s stream holds, oldest first.
    func streamIDs(of topic: String) async throws -> [String] {
        let reply = try await send(["XRANGE", "ssescript:{\(topic)}:events", "-", "+"])
        return (reply.array ?? []).compactMap { $0.array?.first?.string }
    }

    /// The node holding the timer lease, if any.
    func leaseHolder() async throws -> String? {
        guard let value = try await send(["GET", "ssescript:{timers}:lease"]).string else { return nil }
        return value.split(separator: " ", maxSplits: 1).last.map(String.init)
    }

    func close() async { try? await connection.close().get() }
}

/// One stream read in the background by a client nobody here wrote (AsyncHTTPClient
/// and swift-openapi-runtime's decoder): every event with its type, id, data and
/// arrival time.
final class RecordedStream: Sendable {
    struct Event: Sendable {
        let type: String?
        let id: String?
        let data: String
        let arrival: ContinuousClock.Instant
    }

    private final class Received: Sendable {
        let events = Mutex<[Event]>([])
        let ended = Mutex(false)
    }

    private let received = Received()
    private let task: Task<Void, Never>

    init(_ url: String, lastEventID: String? = nil) {
        let headers = lastEventID.map { [("Last-Event-ID", $0)] } ?? []
        let received = self.received
        task = Task {
            do {
                var stream = try await SSEClient.open(url, headers: headers)
                while let event = try await stream.next() {
                    let recorded = Event(type: event.event, id: event.id, data: event.data ?? "", arrival: .now)
                    received.events.withLock { $0.append(recorded) }
                }
            } catch {}
            received.ended.withLock { $0 = true }
        }
    }

    deinit { stop() }

    var events: [Event] { received.events.withLock { $0 } }
    var data: [String] { events.map(\.data) }
    var hasEnded: Bool { received.ended.withLock { $0 } }

    /// Waits until `condition` holds for the events so far.
    func waitFor(seconds: Double = 10, _ condition: @escaping ([Event]) -> Bool) async throws {
        try await waitUntil(seconds: seconds) { condition(events) }
    }

    func stop() { task.cancel() }
}

/// Publishes `body` through a server's `POST /publish` handler; its answer.
@discardableResult
func publish(_ body: String, through server: LiveServer, path: String = "/publish") async throws -> (
    status: UInt, body: String
) {
    let response = try await SSEClient.fetch(server.url(path), method: .POST, body: body)
    return (response.status, response.body)
}
