import CoreMetrics
import Logging
import NIOCore

/// Where script errors go: every one is counted (`ssescript_script_errors_total`)
/// and kept among the recent ones the demo page shows; the log folds repeats: the
/// same message again within `window` is counted, and the count is logged with
/// the next occurrence after the window. A timer failing every 100 ms gives a
/// line every 10 s, not ten a second.
final class ErrorLog {
    /// One of the recent errors, as the demo page's live view shows it.
    struct Recent {
        var message: String
        /// Wall-clock seconds of its last occurrence.
        var time: Double
        /// How many times it occurred while it was among the recent ones.
        var count: Int
    }

    /// How many distinct recent errors are kept.
    static let recentLimit = 10

    private let logger: Logger
    private let metrics: ScriptRuntimeMetrics?
    private let window: TimeAmount
    private var seen: [String: (last: NIODeadline, suppressed: Int)] = [:]
    /// The latest first.
    private(set) var recent: [Recent] = []

    init(logger: Logger, metrics: ScriptRuntimeMetrics? = nil, window: TimeAmount = .seconds(10)) {
        self.logger = logger
        self.metrics = metrics
        self.window = window
    }

    /// Counts an error of `kind` and logs `message` (with `detail`, such as a
    /// traceback, in the `traceback` field) unless it was logged in the last `window`.
    func error(
        _ message: String, detail: String? = nil, kind: ScriptErrorKind = .error, now: NIODeadline,
        metadata: Logger.Metadata = [:]
    ) {
        metrics?.errors[kind]?.increment()
        remember(message)
        if let entry = seen[message], now - entry.last < window {
            seen[message]!.suppressed += 1
            return
        }
        let suppressed = seen[message]?.suppressed ?? 0
        seen[message] = (now, 0)
        if seen.count > 1000 { seen = seen.filter { now - $0.value.last < window } }
        var metadata = metadata
        metadata["kind"] = "\(kind)"
        if suppressed > 0 { metadata["repeated"] = "\(suppressed)" }
        if let detail, !detail.isEmpty { metadata["traceback"] = "\(detail)" }
        logger.error("\(suppressed > 0 ? message + " (and \(suppressed) more times)" : message)", metadata: metadata)
    }

    private func remember(_ message: String) {
        let time = ScriptVM.wallClock()
        if let index = recent.firstIndex(where: { $0.message == message }) {
            var entry = recent.remove(at: index)
            entry.time = time
            entry.count += 1
            recent.insert(entry, at: 0)
        } else {
            recent.insert(Recent(message: message, time: time, count: 1), at: 0)
            if recent.count > Self.recentLimit { recent.removeLast() }
        }
    }
}
