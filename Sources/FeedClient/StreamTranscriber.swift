// What a client received, turned back into the events a server would send to make it receive the same.

public import EventStream
public import NIOCore

/// Reads a stream with `EventStreamParser` and writes down what a client saw as `ServerSentEvent`s
/// that, sent again, make any client see exactly the same: the same events with the same types,
/// data and last event ids, the same `retry` values and, if asked, the same comments.
///
/// The parser reports dispatched events, not field lines, so an `id` is written where the
/// last event id changed, and `event` where the type is not `message`. A last event id set by
/// an event without data (which a client sees only when it reconnects) is written, as an
/// event with only an `id`, at the end of the bytes that set it.
public struct StreamTranscriber: Sendable {
    private var parser = EventStreamParser()
    private var lastEventID = ""
    private let keepsComments: Bool

    /// `keepsComments`: whether comment lines (heartbeats, mostly) are written down too.
    public init(keepsComments: Bool = false) {
        self.keepsComments = keepsComments
    }

    /// The events that `bytes`, the stream's next bytes, complete, in stream order.
    public mutating func transcribe(_ bytes: ByteBuffer) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for item in parser.parse(bytes) {
            switch item {
            case .event(let message):
                let id = message.lastEventID == lastEventID ? nil : message.lastEventID
                lastEventID = message.lastEventID
                events.append(
                    ServerSentEvent(data: message.data, event: message.type == "message" ? nil : message.type, id: id))
            case .retry(let milliseconds):
                events.append(ServerSentEvent(retry: milliseconds))
            case .comment(let text):
                if keepsComments { events.append(ServerSentEvent(comment: text)) }
            }
        }
        if parser.lastEventID != lastEventID {
            lastEventID = parser.lastEventID
            events.append(ServerSentEvent(id: lastEventID))
        }
        return events
    }
}
