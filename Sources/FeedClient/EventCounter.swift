// Counts the events of one stream of a load test, parsed with the project's EventStreamParser.

internal import EventStream
internal import NIOCore

/// One stream's parser and whether it has had its first event; reports each event to the loop's meter.
struct EventCounter {
    private var parser = EventStreamParser()
    private var sawEvent = false

    mutating func consume(_ bytes: ByteBuffer, meter: LoopMeter) {
        for item in parser.parse(bytes) {
            guard case .event(let event) = item else { continue }
            if !sawEvent {
                sawEvent = true
                meter.firstEvent()
            }
            meter.event(data: event.data)
        }
    }
}

/// Where a stream of a load test is: each ends exactly once, counted as one of a connect error,
/// an HTTP error (before an accepted response head) or a close before the end of the run.
enum StreamState {
    /// The TCP connection is not up yet; a failure now is the opener's to count.
    case connecting
    case awaitingHead
    case streaming
    case ended
}
