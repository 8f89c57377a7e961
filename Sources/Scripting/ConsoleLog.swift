public import Logging
import Synchronization

/// The recent lines the script host logs (`sse.log` and `print`, script errors,
/// reloads), kept for the console's live log. Lines of `info` and above are kept
/// whatever the server's log level; the server's own log gets what its level lets through.
public final class ConsoleLog: Sendable {
    /// One line, numbered from 1 in the order logged.
    public struct Line: Sendable {
        public let sequence: Int
        /// Wall-clock seconds since 1970.
        public let time: Double
        public let level: Logger.Level
        public let text: String
    }

    private let state = Mutex<(next: Int, lines: [Line])>((1, []))
    /// Lines kept; older ones are dropped.
    public let capacity: Int

    public init(capacity: Int = 300) {
        self.capacity = capacity
    }

    func append(_ level: Logger.Level, _ text: String) {
        let time = ScriptVM.wallClock()
        state.withLock { state in
            state.lines.append(Line(sequence: state.next, time: time, level: level, text: text))
            state.next += 1
            if state.lines.count > capacity { state.lines.removeFirst(state.lines.count - capacity) }
        }
    }

    /// The lines after number `sequence` still kept, and the number of the next line.
    public func lines(after sequence: Int) -> (next: Int, lines: [Line]) {
        state.withLock { state in (state.next, state.lines.filter { $0.sequence > sequence }) }
    }

    /// A logger that logs to `upstream` and keeps its lines here.
    public func logger(forwardingTo upstream: Logger) -> Logger {
        Logger(label: upstream.label) { [self] _ in ConsoleLogHandler(upstream: upstream, log: self) }
    }
}

/// Keeps each line in a `ConsoleLog`, and passes it on to the upstream logger's
/// handler when the upstream level lets it through.
struct ConsoleLogHandler: LogHandler {
    var upstream: Logger
    let log: ConsoleLog
    var metadata: Logger.Metadata = [:]

    var logLevel: Logger.Level {
        get { min(upstream.logLevel, .info) }
        set { upstream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= .info { log.append(event.level, event.message.description) }
        guard event.level >= upstream.logLevel else { return }
        let merged = metadata.isEmpty ? event.metadata : metadata.merging(event.metadata ?? [:]) { $1 }
        upstream.log(
            level: event.level, event.message, metadata: merged, source: event.source, file: event.file,
            function: event.function, line: event.line)
    }
}
