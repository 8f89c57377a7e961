import CoreMetrics
import Logging
import NIOCore

/// The hub's share of the server's series, and the figures of the demo page's
/// live view. Counting is in plain integers (`HubTally`); `reportMetrics()` adds
/// them to the counters and sets the `ssescript_clients` gauges.
extension Hub {
    /// At most this many paths are labels of `ssescript_clients`; the streams of
    /// any further path are counted under `path="other"`.
    public static let pathLabelLimit = 100

    /// Open streams by request path (only paths that have some).
    public var openStreamsByPath: [String: Int] { tally.openByPath }

    /// Every event the script published (to a topic or everyone), since the start.
    public var eventsPublished: Int { tally.publishedTotal }

    /// Every event queued for a stream (one per subscriber a publish found, one per send), since the start.
    public var eventsQueued: Int { tally.queued }

    /// Gives the declared stream paths their labels (the first `pathLabelLimit`, in
    /// order, kept for good) and their gauges, at 0 until clients come.
    func labelPaths(_ paths: some Sequence<String>) {
        for path in paths.sorted() where pathLabels.count < Self.pathLabelLimit {
            pathLabels.insert(path)
        }
        guard metrics.isRecording else { return }
        for label in pathLabels where clientGauges[label] == nil {
            clientGauges[label] = metrics.clients(path: label)
            clientGauges[label]!.record(tally.openByPath[label] ?? 0)
        }
    }

    /// Adds what the hub counted to the server's series. Called on `loop`, at
    /// every sweep of the hub and before a scrape.
    func reportMetrics() {
        loop.preconditionInEventLoop()
        tally.report(to: metrics)
        var open: [String: Int] = [:]
        for (path, count) in tally.openByPath {
            open[pathLabels.contains(path) ? path : "other", default: 0] += count
        }
        for label in open.keys where clientGauges[label] == nil {
            clientGauges[label] = metrics.clients(path: label)
        }
        for (label, gauge) in clientGauges { gauge.record(open[label] ?? 0) }
    }
}

extension Client {
    /// The fields of its log lines: `client`, `path`, `remote`.
    var logMetadata: Logger.Metadata {
        ["client": "\(id)", "path": "\(request.path)", "remote": "\(request.remoteAddress)"]
    }
}
