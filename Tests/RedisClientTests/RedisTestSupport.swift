import Foundation
import TestProcesses
import Logging
import NIOCore
import NIOPosix
import RedisClient
import Synchronization

/// A fresh redis-server and one event loop (the "script loop") for the body; both are
/// stopped afterwards, whatever the body did.
func withRedis<Result>(
    arguments: [String] = [],
    _ body: (RedisServerProcess, any EventLoop) async throws -> Result
) async throws -> Result {
    let server = try RedisServerProcess(arguments)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
        let result = try await body(server, group.next())
        try await group.shutdownGracefully()
        server.stop()
        return result
    } catch {
        try? await group.shutdownGracefully()
        server.stop()
        throw error
    }
}

extension RedisConfiguration {
    static func local(_ server: RedisServerProcess, path: String = "") -> RedisConfiguration {
        RedisConfiguration(url: try! RedisURL(parsing: server.url + path))
    }
}

/// Logs only what is worse than expected (the tests drop links on purpose).
let quietLogger: Logger = {
    var logger = Logger(label: "test.redis")
    logger.logLevel = .error
    return logger
}()

/// What callbacks heard, in order, readable from the test's task.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }

    /// Polls until `condition` holds for what was recorded; throws after `seconds`.
    func waitFor(seconds: Double = 5, _ condition: @escaping ([Element]) -> Bool) async throws {
        try await waitUntil(seconds: seconds) { condition(self.all) }
    }
}

/// Polls `condition` every 5 ms until it holds; throws after `seconds`.
func waitUntil(seconds: Double = 5, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw RedisServerError("condition not met in \(seconds) s") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }
}

extension EventLoopFuture where Value: Sendable {
    /// `get()` that gives up after `seconds`: a future ignores task cancellation, so a
    /// reply that never comes would otherwise outlast the test's time limit.
    func value(within seconds: Int64 = 10) async throws -> Value {
        let bounded = eventLoop.makePromise(of: Value.self)
        let timer = eventLoop.scheduleTask(in: .seconds(seconds)) {
            bounded.fail(RedisServerError("no result in \(seconds) s"))
        }
        whenComplete { result in
            timer.cancel()
            bounded.completeWith(result)
        }
        return try await bounded.futureResult.get()
    }
}
