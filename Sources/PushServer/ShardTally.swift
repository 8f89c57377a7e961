import CoreMetrics

/// What one I/O loop counted since it last reported, in plain integers on its
/// own loop: a subscriber write adds to two integers, never to a metric. The
/// shard adds them to the server's counters at its sweep and before a scrape.
struct ShardTally {
    var accepted = 0
    var eventsSent = 0
    var bytesSent = 0
    var timedOut = 0
    /// Responses by status code.
    private var statuses: [Int: Int] = [:]
    /// The status counters this loop has used, made once each.
    private var statusCounters: [Int: Counter] = [:]

    /// A response with `status` was written (a stream's head counts as 200).
    mutating func countResponse(_ status: UInt) {
        statuses[Int(status), default: 0] += 1
    }

    /// Adds what was counted to `metrics` and starts again from zero.
    mutating func report(to metrics: ServerMetrics) {
        if accepted > 0 { metrics.accepted.increment(by: accepted) }
        if eventsSent > 0 { metrics.eventsSent.increment(by: eventsSent) }
        if bytesSent > 0 { metrics.bytesSent.increment(by: bytesSent) }
        if timedOut > 0 { metrics.timedOut.increment(by: timedOut) }
        accepted = 0
        eventsSent = 0
        bytesSent = 0
        timedOut = 0
        guard !statuses.isEmpty else { return }
        for (status, count) in statuses {
            if statusCounters[status] == nil { statusCounters[status] = metrics.requests(status: status) }
            statusCounters[status]!.increment(by: count)
        }
        statuses.removeAll(keepingCapacity: true)
    }
}
