import Foundation
public import Logging

/// Log lines for machines: one JSON object per line with `time` (UTC, ISO 8601,
/// milliseconds), `level`, `message` and each metadata field (`client`, `path`,
/// `remote`, `reason`, `traceback`, ...). Keys are sorted; JSON comes from
/// Foundation's `JSONSerialization`.
public struct JSONLogHandler: LogHandler {
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
        let all = LogOutput.merged(metadata, metadataProvider, event)
        LogOutput.write(Self.line(event, metadata: all, timestamp: LogOutput.timestamp()))
    }

    /// The JSON line for `event`, with its newline.
    static func line(_ event: LogEvent, metadata: Logger.Metadata, timestamp: String) -> String {
        var object: [String: Any] = metadata.mapValues(Self.json)
        if let error = event.error { object["error"] = "\(error)" }
        object["time"] = timestamp
        object["level"] = "\(event.level)"
        object["message"] = "\(event.message)"
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: options) else {
            return "{\"level\":\"error\",\"message\":\"a log line could not be written as JSON\"}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let fields): fields.mapValues(json)
        }
    }
}
