import Logging
import NIOCore

/// Logs script errors, folding repeats: the same message again within `window`
/// is counted, and the count is logged with the next occurrence after the window.
/// A timer failing every 100 ms gives a line every 10 s, not ten a second.
final class ErrorLog {
    private let logger: Logger
    private let window: TimeAmount
    private var seen: [String: (last: NIODeadline, suppressed: Int)] = [:]

    init(logger: Logger, window: TimeAmount = .seconds(10)) {
        self.logger = logger
        self.window = window
    }

    /// Logs `message` (and `detail`, such as a traceback) unless it was logged in
    /// the last `window`.
    func error(_ message: String, detail: String? = nil, now: NIODeadline) {
        if let entry = seen[message], now - entry.last < window {
            seen[message]!.suppressed += 1
            return
        }
        let suppressed = seen[message]?.suppressed ?? 0
        seen[message] = (now, 0)
        if seen.count > 1000 { seen = seen.filter { now - $0.value.last < window } }
        var text = message
        if suppressed > 0 { text += " (and \(suppressed) more times)" }
        if let detail, !detail.isEmpty { text += "\n" + detail }
        logger.error("\(text)")
    }
}
