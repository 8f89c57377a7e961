/// An event as an `EventSource` client dispatches it: what `EventStreamParser` reports.
public struct MessageEvent: Sendable, Hashable {
    /// The event type: the last `event` field's value, or `"message"` when there was none or it was empty.
    public var type: String
    /// The `data` field values joined by LF.
    public var data: String
    /// The stream's last event id when the event was dispatched; it persists from earlier events.
    public var lastEventID: String

    public init(type: String = "message", data: String, lastEventID: String = "") {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}
