import Foundation
import Logging
import Testing

@testable import Observability

/// The text and JSON log lines, as `--log-format` writes them.
@Suite struct LogHandlerTests {
    static func event(_ message: Logger.Message, level: Logger.Level = .info) -> LogEvent {
        LogEvent(
            level: level, message: message, metadata: nil, source: "ssescript", file: #fileID, function: #function,
            line: #line)
    }

    @Test func textIsTimeLevelMessageThenFieldsSortedAndTracebacksBelow() {
        let metadata: Logger.Metadata = [
            "path": "/sse", "client": "3", "reason": "not today", "traceback": "stack traceback:\n\t[C]: in ?",
        ]
        let line = TextLogHandler.line(
            Self.event("script error", level: .error), metadata: metadata, timestamp: "2025-06-01T12:00:00.123Z")
        #expect(
            line == """
                2025-06-01T12:00:00.123Z error script error client=3 path=/sse reason="not today"
                stack traceback:
                \t[C]: in ?

                """)
    }

    @Test func jsonIsOneObjectPerLineWithTimeLevelMessageAndFields() throws {
        let metadata: Logger.Metadata = [
            "client": "3", "path": "/sse", "nested": ["a": "1"], "list": ["x", "y"], "message": "not this one",
        ]
        let line = JSONLogHandler.line(
            Self.event("client \"connected\"\nagain", level: .debug), metadata: metadata,
            timestamp: "2025-06-01T12:00:00.123Z")
        #expect(line.hasSuffix("}\n") && line.dropLast().contains("\n") == false, "one line: \(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2025-06-01T12:00:00.123Z")
        #expect(object["level"] as? String == "debug")
        #expect(object["message"] as? String == "client \"connected\"\nagain", "the event's message wins over a field")
        #expect(object["client"] as? String == "3" && object["path"] as? String == "/sse")
        #expect(object["nested"] as? [String: String] == ["a": "1"] && object["list"] as? [String] == ["x", "y"])
    }

    @Test func timestampsAreUTCToTheMillisecond() {
        let stamp = LogOutput.timestamp()
        #expect(stamp.count == "2025-06-01T12:00:00.123Z".count && stamp.hasSuffix("Z"), "\(stamp)")
        #expect(stamp.dropFirst(19).first == ".")
    }
}
