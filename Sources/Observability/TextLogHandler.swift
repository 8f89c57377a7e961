public import Logging

/// Log lines for people: `2025-06-01T12:00:00.123Z info message key=value ...`,
/// the metadata sorted by key. A value with line breaks (a traceback) follows on
/// the next lines as it is. No label or module: every line is the server's.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(level: Logger.Level = .info) {
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        LogOutput.write(Self.line(event, metadata: LogOutput.merged(metadata, metadataProvider, event)))
    }

    /// The line for `event` (with its newline), without the time stamp when `timestamp` is nil.
    static func line(_ event: LogEvent, metadata: Logger.Metadata, timestamp: String? = LogOutput.timestamp())
        -> String
    {
        var line = (timestamp.map { $0 + " " } ?? "") + "\(event.level) \(event.message)"
        var blocks: [String] = []
        for key in metadata.keys.sorted() {
            let value = "\(metadata[key]!)"
            if value.contains("\n") {
                blocks.append(value)
            } else {
                line += " \(key)=\(value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value)"
            }
        }
        if let error = event.error { line += " error=\"\(error)\"" }
        return ([line] + blocks).joined(separator: "\n") + "\n"
    }
}
