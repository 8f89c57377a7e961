/// One event of a `text/event-stream`, as a server sends it.
///
/// Every field is optional. `ByteBuffer.writeServerSentEvent(_:)` writes the fields that are set
/// and leaves out the others; `validate()` says whether an event can be written at all.
public struct ServerSentEvent: Sendable, Hashable {
    /// The payload. Split on CRLF, CR and LF into one `data:` line each; an empty string still
    /// writes one `data:` line, so the client dispatches an event with empty data.
    public var data: String?
    /// The event name (`event:`); the client dispatches a `message` event when it is not set or empty.
    /// Must not contain CR, LF or NUL.
    public var event: String?
    /// The event id (`id:`), which the client sends back as `Last-Event-ID` when it reconnects.
    /// An empty id resets the client's last event id. Must not contain CR, LF or NUL.
    public var id: String?
    /// The client's reconnection time in milliseconds (`retry:`). Must not be negative.
    public var retry: Int?
    /// A comment (`: text`), which clients ignore; used for heartbeats and padding.
    /// Split on CRLF, CR and LF into one comment line each.
    public var comment: String?

    public init(
        data: String? = nil,
        event: String? = nil,
        id: String? = nil,
        retry: Int? = nil,
        comment: String? = nil
    ) {
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment
    }

    /// Whether no field is set: such an event is written as nothing at all.
    var isEmpty: Bool {
        data == nil && event == nil && id == nil && retry == nil && comment == nil
    }

    /// Only a comment: written as comment lines, without the blank line that ends an event.
    var isCommentOnly: Bool {
        comment != nil && data == nil && event == nil && id == nil && retry == nil
    }
}
