// The rules every load-test stream follows, HTTP/1.1 or HTTP/2: which response head is an
// event stream, and how a stream's end is counted.

/// What `ssebench` accepts as an event stream, and the bookkeeping of a stream's end.
enum StreamHead {
    /// How a stream ended.
    enum Ending {
        /// The connection or stream closed (or the body ended).
        case closed
        /// The head was refused, or the connection failed, for this reason.
        case refused(String)
    }

    /// Why a head is not an event stream's (`nil` for status 200 and `Content-Type: text/event-stream`).
    static func refusal(status: Int, contentType: String?) -> String? {
        guard status == 200 else {
            return "status \(status)"
        }
        guard let contentType, contentType.lowercased().hasPrefix("text/event-stream") else {
            return "status 200 with Content-Type \(contentType ?? "(none)"), not text/event-stream"
        }
        return nil
    }

    /// Counts the end of a stream once: before an accepted head it failed (a refused head is an
    /// HTTP error), after it the stream closed early. Later calls do nothing.
    static func end(_ state: inout StreamState, _ ending: Ending, meter: LoopMeter) {
        switch (state, ending) {
        case (.ended, _), (.connecting, _):
            return
        case (.awaitingHead, .refused(let reason)):
            meter.failed(connecting: false, reason)
        case (.awaitingHead, .closed):
            meter.failed(connecting: false, "closed before the response head")
        case (.streaming, _):
            meter.closedEarly()
        }
        state = .ended
    }
}
