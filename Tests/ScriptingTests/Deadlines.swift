import Foundation

/// Waiting for a condition, never for a fixed time: on a busy machine a fixed
/// sleep is too short one run in a hundred, and always too long otherwise.

/// Polls `condition` until it holds, for up to `seconds`.
func waitUntil(seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TimedOut(seconds: seconds)
}

/// Fails if `body` takes longer than `seconds`.
func withTimeout<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(seconds: seconds)
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "timed out after \(seconds) s" }
}

extension ContinuousClock.Instant {
    /// Seconds from now until this instant (negative once it has passed). Deadlines here
    /// are on the monotonic clock: the wall clock can step (NTP) and end a wait early.
    var secondsFromNow: Double { (self - .now) / .seconds(1) }
}
