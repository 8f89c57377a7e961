// A recorded feed: its events and the times they arrived, as `ssescript record` writes them.

public import EventStream

/// A recording of a `text/event-stream`: each event with its time since the stream opened, plus
/// the file's metadata (`# name: value` lines). The file format is described in `RECORDING.md`.
///
/// `Recording(parsing:)` reads a file's text, `text` writes it back; the two round-trip every
/// `ServerSentEvent` exactly, whatever its fields hold (line ends of any kind, NUL, unicode).
public struct Recording: Sendable, Hashable {
    /// The first line of every recording: the format and its version.
    public static let signature = "# ssescript recording 1"

    /// The `# name: value` lines between records, in file order (`url`, `started`, `end`, …).
    public var metadata: [Metadata]
    /// The records, in the order and with the times they were received.
    public var events: [TimedEvent]

    public init(metadata: [Metadata] = [], events: [TimedEvent] = []) {
        self.metadata = metadata
        self.events = events
    }

    /// The value of the first metadata line called `name`, if there is one.
    public func metadata(_ name: String) -> String? {
        metadata.first { $0.name == name }?.value
    }

    /// The whole file: the signature, the metadata, then one record per event.
    public var text: String {
        var text = Self.signature + "\n"
        for line in metadata {
            text += line.text
        }
        for event in events {
            text += "\n" + RecordFormatter.record(event)
        }
        return text
    }
}

/// One `# name: value` line of a recording.
public struct Metadata: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The line as written, LF included; line ends in `value` are written as spaces.
    var text: String {
        let flat = value.map { $0.isNewline ? " " : $0 }
        return "# \(name): \(String(flat))\n"
    }
}

/// An event of a recording and when it arrived.
public struct TimedEvent: Sendable, Hashable {
    /// Time since the stream opened (its response head arrived). Written with microsecond precision.
    public var time: Duration
    /// What was received, as a server would send it again: see `RECORDING.md` for how a stream's
    /// fields become these (`id` only where the last event id changed, `event` only when not `message`).
    public var event: ServerSentEvent

    public init(time: Duration, event: ServerSentEvent) {
        self.time = time
        self.event = event
    }
}
