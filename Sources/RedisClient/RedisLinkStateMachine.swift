/// The life of one link to Redis, as events in and actions out (no I/O here).
///
/// ```
/// idle ─start→ connecting ─succeeded→ connected ─dropped→ waiting ─timer→ connecting …
///                  └──────failed──────→ waiting (attempt + 1)
/// any ─close→ closed
/// ```
/// `waiting(n)` means the next connect is attempt `n` (0 right after a drop), so the
/// delay before it is the backoff's for `n`. `connecting` covers the TCP connect and the handshake (`AUTH`, `SELECT`,
/// re-subscribing): commands are refused until `connected`.
struct RedisLinkStateMachine {
    enum State: Equatable {
        case idle
        case connecting(attempt: Int)
        case connected
        case waiting(attempt: Int)
        case closed
    }

    enum Action: Equatable {
        case none
        /// Open a channel and hand-shake.
        case connect
        /// Arm the reconnect timer with the backoff's delay for `attempt`.
        case scheduleReconnect(attempt: Int)
        /// Keep the new channel and tell the layer above it is connected.
        case reportConnected
        /// Tell the layer above the link is down, then arm the timer for attempt 0.
        case reportDisconnected
        /// A channel connected after `close()`: close it.
        case closeChannel
        /// Cancel the timer, close the channel (after its replies), refuse everything from now on.
        case shutDown
    }

    /// Attempts past this all wait the backoff's maximum; the count stops growing.
    static let attemptCap = 32

    private(set) var state: State = .idle

    var isConnected: Bool { state == .connected }
    var isClosed: Bool { state == .closed }

    mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .connecting(attempt: 0)
        return .connect
    }

    mutating func connectSucceeded() -> Action {
        guard case .connecting = state else { return .closeChannel }
        state = .connected
        return .reportConnected
    }

    mutating func connectFailed() -> Action {
        guard case .connecting(let attempt) = state else { return .none }
        let next = min(attempt + 1, Self.attemptCap)
        state = .waiting(attempt: next)
        return .scheduleReconnect(attempt: next)
    }

    mutating func linkDropped() -> Action {
        guard state == .connected else { return .none }
        state = .waiting(attempt: 0)
        return .reportDisconnected
    }

    mutating func timerFired() -> Action {
        guard case .waiting(let attempt) = state else { return .none }
        state = .connecting(attempt: attempt)
        return .connect
    }

    mutating func close() -> Action {
        guard state != .closed else { return .none }
        state = .closed
        return .shutDown
    }
}
