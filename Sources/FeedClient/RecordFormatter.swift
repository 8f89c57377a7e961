// Writes one record of a recording: its time line, then its field lines (see RECORDING.md).

internal import EventStream

/// Turns a `TimedEvent` into the lines of its record.
enum RecordFormatter {
    /// The record's lines, each ending in LF, followed by nothing: records are separated by a blank line.
    ///
    /// Lines come in the order an encoder writes fields: comment lines, `event`, `id`, `retry`, `data`
    /// lines. `data` and `comment` give one line per LF-separated line of their value; every other
    /// character that would break a line, or hide in a diff, is escaped (`RecordEscaping`).
    static func record(_ timed: TimedEvent) -> String {
        let event = timed.event
        var lines = "@" + seconds(timed.time) + "\n"
        if let comment = event.comment {
            for line in comment.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
                lines += field("", line)
            }
        }
        if let type = event.event {
            lines += field("event", type.unicodeScalars[...])
        }
        if let id = event.id {
            lines += field("id", id.unicodeScalars[...])
        }
        if let retry = event.retry {
            lines += "retry: \(retry)\n"
        }
        if let data = event.data {
            for line in data.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
                lines += field("data", line)
            }
        }
        return lines
    }

    /// `name: value` (or `name:` for an empty value), value escaped. A comment's name is empty.
    private static func field(_ name: String, _ value: Substring.UnicodeScalarView) -> String {
        value.isEmpty ? name + ":\n" : name + ": " + RecordEscaping.escaped(value) + "\n"
    }

    /// Seconds with six decimals: `12.000345`. Sub-microsecond parts are dropped; negative times are 0.
    static func seconds(_ time: Duration) -> String {
        let (seconds, attoseconds) = time.components
        guard seconds >= 0, attoseconds >= 0 else {
            return "0.000000"
        }
        let microseconds = String(attoseconds / 1_000_000_000_000)
        return "\(seconds)." + String(repeating: "0", count: 6 - microseconds.count) + microseconds
    }
}
