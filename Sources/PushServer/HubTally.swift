import CoreMetrics

/// What the hub counted, in plain integers on its loop: publishes, resumes, the
/// ends of its clients, and the open streams per path. Totals only grow; what
/// has been added to the server's counters is remembered, so a report adds the
/// difference and the demo page's status reads the totals.
struct HubTally {
    private(set) var published: [TopicKind: Int] = [:]
    /// Events queued for streams: one per subscriber a publish found, per send.
    var queued = 0
    private(set) var disconnected: [Departure: Int] = [:]
    private(set) var resumes: [ResumeResult: Int] = [:]
    /// Open streams by request path (a path is there while it has some).
    private(set) var openByPath: [String: Int] = [:]
    private var reported = Reported()

    private struct Reported {
        var published: [TopicKind: Int] = [:]
        var disconnected: [Departure: Int] = [:]
        var resumes: [ResumeResult: Int] = [:]
    }

    mutating func countPublish(_ kind: TopicKind) { published[kind, default: 0] += 1 }
    mutating func countDeparture(_ departure: Departure) { disconnected[departure, default: 0] += 1 }
    mutating func countResume(_ result: ResumeResult) { resumes[result, default: 0] += 1 }

    mutating func streamOpened(path: String) { openByPath[path, default: 0] += 1 }

    mutating func streamClosed(path: String) {
        guard let open = openByPath[path] else { return }
        openByPath[path] = open > 1 ? open - 1 : nil
    }

    /// Every event published so far, whatever its topic.
    var publishedTotal: Int { published.values.reduce(0, +) }

    /// Adds to `metrics` what was counted since the last report.
    mutating func report(to metrics: ServerMetrics) {
        Self.add(published, since: &reported.published, to: metrics.published)
        Self.add(disconnected, since: &reported.disconnected, to: metrics.disconnected)
        Self.add(resumes, since: &reported.resumes, to: metrics.resumes)
    }

    private static func add<Key>(_ totals: [Key: Int], since reported: inout [Key: Int], to counters: [Key: Counter]) {
        for (key, total) in totals where total != reported[key] {
            counters[key]?.increment(by: total - (reported[key] ?? 0))
            reported[key] = total
        }
    }
}
