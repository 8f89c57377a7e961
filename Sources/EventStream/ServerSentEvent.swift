/// One event of a `text/event-stream`.
public struct ServerSentEvent: Sendable, Hashable {
    public init() {}
}
