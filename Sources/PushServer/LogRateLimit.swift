import NIOCore
import Synchronization

/// Keeps a warning that can come in storms (slow clients dropped by the thousand,
/// topics evicted, `accept` failing) to a few lines: at most `lines` per `window`,
/// the ones left out counted and told in the next line that is written. Shared by
/// the I/O loops and the hub, hence the lock.
final class LogRateLimit: Sendable {
    private struct Window {
        var start: NIODeadline
        var written = 0
        var left = 0
    }

    private let lines: Int
    private let window: TimeAmount
    private let state = Mutex(Window(start: .distantPast))

    init(lines: Int = 10, per window: TimeAmount = .seconds(10)) {
        self.lines = lines
        self.window = window
    }

    /// Whether to write a line now: nil if not (it is counted), else how many
    /// lines were left out before it.
    func admit(now: NIODeadline = .now()) -> Int? {
        state.withLock { state in
            if now - state.start >= window {
                state.start = now
                state.written = 0
            }
            guard state.written < lines else {
                state.left += 1
                return nil
            }
            state.written += 1
            defer { state.left = 0 }
            return state.left
        }
    }

    /// `message`, followed by how many like it were left out, if any.
    static func line(_ message: String, leftOut: Int) -> String {
        leftOut == 0 ? message : "\(message) (and \(leftOut) more not logged)"
    }
}
