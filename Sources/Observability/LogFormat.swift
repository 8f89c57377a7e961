public import Logging

/// How log lines are written (`--log-format`).
public enum LogFormat: String, CaseIterable, Sendable {
    /// `2025-06-01T12:00:00.123Z info message key=value ...`: one line per event,
    /// a multi-line value (a traceback) on the lines after it.
    case text
    /// One JSON object per line: `time`, `level`, `message`, and the event's
    /// metadata as fields (`client`, `path`, `remote`, `reason`, ...).
    case json

    /// A handler that writes this format to standard error.
    public func handler(label: String, level: Logger.Level) -> any LogHandler {
        switch self {
        case .text: TextLogHandler(level: level)
        case .json: JSONLogHandler(level: level)
        }
    }

    /// Makes every logger of the process write this format to standard error at
    /// `level` and above.
    public func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in handler(label: label, level: level) }
    }
}
