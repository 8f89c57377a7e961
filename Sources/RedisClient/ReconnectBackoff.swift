public import NIOCore

/// How long a link waits before its next connection attempt: exponential, with jitter, capped.
///
/// Attempt `n` (0 for the first retry after a drop) waits a random time between half and
/// all of `min(maximumDelay, initialDelay × 2ⁿ)`, so instances that lost Redis together do
/// not come back in step. With the defaults: 25–50 ms, 50–100 ms, … up to 1.5–3 s.
public struct ReconnectBackoff: Sendable, Hashable {
    /// The full delay of attempt 0 (default 50 ms).
    public var initialDelay: TimeAmount
    /// The cap (default 3 s).
    public var maximumDelay: TimeAmount

    public init(initialDelay: TimeAmount = .milliseconds(50), maximumDelay: TimeAmount = .seconds(3)) {
        precondition(initialDelay.nanoseconds > 0 && maximumDelay >= initialDelay, "need 0 < initial <= maximum")
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay before attempt `attempt`, drawn with `generator`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> TimeAmount {
        let ceiling = fullDelay(attempt: attempt).nanoseconds
        return .nanoseconds(Int64.random(in: (ceiling / 2)...ceiling, using: &generator))
    }

    /// The delay before jitter: `min(maximumDelay, initialDelay × 2^attempt)`.
    public func fullDelay(attempt: Int) -> TimeAmount {
        let limit = maximumDelay.nanoseconds
        var delay = initialDelay.nanoseconds
        var doublings = max(0, attempt)
        while doublings > 0 && delay < limit {
            delay = delay > limit / 2 ? limit : delay * 2
            doublings -= 1
        }
        return .nanoseconds(min(delay, limit))
    }
}
