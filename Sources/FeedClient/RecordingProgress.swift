// Counts of a recording in progress, kept where every task of `FeedRecorder.record` can read them.

internal import EventStream
internal import Synchronization

/// What a recording has written so far, and when its stream opened.
final class RecordingProgress: Sendable {
    private struct Counts {
        var events = 0
        var records = 0
        var opened: ContinuousClock.Instant?
    }

    private let counts = Mutex(Counts())

    func open(at instant: ContinuousClock.Instant) {
        counts.withLock { $0.opened = instant }
    }

    /// Counts one record; returns the number of events (records with data) so far.
    func count(_ event: ServerSentEvent) -> Int {
        counts.withLock { counts in
            counts.records += 1
            if event.data != nil { counts.events += 1 }
            return counts.events
        }
    }

    func summary(ending: FeedRecorder.Ending) -> FeedRecorder.Summary {
        counts.withLock { counts in
            FeedRecorder.Summary(
                ending: ending, events: counts.events, records: counts.records,
                elapsed: counts.opened.map { ContinuousClock.now - $0 } ?? .zero)
        }
    }
}
