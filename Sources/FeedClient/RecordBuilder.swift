// The field lines of one record, read one by one into a `ServerSentEvent`.

internal import EventStream

/// Collects the field lines of one record: comment and `data` lines accumulate, `event`, `id`
/// and `retry` may each appear once.
struct RecordBuilder {
    let time: Duration
    private var comments: [String] = []
    private var data: [String] = []
    private var event: String?
    private var id: String?
    private var retry: Int?

    init(time: Duration) {
        self.time = time
    }

    mutating func read(_ line: Substring) throws(RecordingLineError) {
        let colon = line.firstIndex(of: ":")
        guard let colon else {
            throw RecordingLineError(reason: "a field line is name: value, and \"\(line)\" has no colon")
        }
        let name = line[..<colon]
        var rawValue = line[line.index(after: colon)...]
        if rawValue.first == " " { rawValue = rawValue.dropFirst() }
        let value: String
        do {
            value = try RecordEscaping.unescaped(rawValue)
        } catch {
            throw RecordingLineError(reason: Self.phrase(error))
        }
        switch name {
        case "": comments.append(value)
        case "data": data.append(value)
        case "event": try Self.set(&event, value, name: "event")
        case "id": try Self.set(&id, value, name: "id")
        case "retry":
            guard retry == nil else { throw RecordingLineError(reason: "a second retry line in one record") }
            guard !value.isEmpty, value.allSatisfy(\.isASCIIDigit), let milliseconds = Int(value) else {
                throw RecordingLineError(reason: "retry is a whole number of milliseconds, not \"\(value)\"")
            }
            retry = milliseconds
        default:
            throw RecordingLineError(
                reason: "unknown field \"\(name)\"; a record has data, event, id, retry and : comment lines")
        }
    }

    private static func set(_ field: inout String?, _ value: String, name: String) throws(RecordingLineError) {
        guard field == nil else {
            throw RecordingLineError(reason: "a second \(name) line in one record")
        }
        field = value
    }

    func timedEvent() throws(RecordingLineError) -> TimedEvent {
        let received = ServerSentEvent(
            data: data.isEmpty ? nil : data.joined(separator: "\n"),
            event: event,
            id: id,
            retry: retry,
            comment: comments.isEmpty ? nil : comments.joined(separator: "\n")
        )
        guard received != ServerSentEvent() else {
            throw RecordingLineError(reason: "a record with a time and no field")
        }
        return TimedEvent(time: time, event: received)
    }

    private static func phrase(_ failure: RecordEscaping.Failure) -> String {
        switch failure {
        case .unknownEscape(let escape):
            "unknown escape \(escape); the escapes are \\\\, \\r, \\n, \\t and \\u{HEX}"
        case .badScalar(let escape):
            "bad escape \(escape): \\u{HEX} takes 1 to 6 hex digits naming a Unicode scalar"
        }
    }
}
