import EventStream
import NIOCore

/// Topic histories and resuming: what a client that comes back with
/// `Last-Event-ID` receives before any live event.
extension Hub {
    /// The event a client gets first when the id it resumes from is in no history
    /// (evicted, or never published): `event: ssescript-gap`, its data the id. It
    /// has no id of its own, so the client's last event id is left as it was.
    public static let gapEventName = "ssescript-gap"

    /// Sets the history size and id numbering of the topics named by stream paths
    /// (`PushServer.routes` does it when set); other topics get the server's
    /// defaults. Histories already kept carry over, trimmed to their new size.
    public func configureTopics(_ streams: [String: StreamOptions]) {
        loop.preconditionInEventLoop()
        topicOptions = streams
        for topic in Array(histories.keys) { fitHistory(of: topic) }
        labelPaths(streams.keys)
    }

    private func fitHistory(of topic: String) {
        let capacity = historyCapacity(of: topic)
        if capacity == 0 {
            histories[topic] = nil
        } else {
            histories[topic]?.resize(to: capacity)
        }
    }

    /// How many events with an id `topic` keeps (a broker reads that many back from
    /// the cluster when the topic's first subscriber comes).
    public func historyCapacity(of topic: String) -> Int {
        topicOptions[topic]?.history ?? configuration.history
    }

    /// Keeps a published frame in its topic's history.
    func record(_ frame: Frame, id: String, in topic: String) {
        if histories[topic] == nil {
            let capacity = historyCapacity(of: topic)
            guard capacity > 0 else { return }
            histories[topic] = History(capacity: capacity)
        }
        histories[topic]!.append(id: id, frame: frame)
    }

    /// Queues for `client` the events after `lastEventID` from the history of the
    /// topic that holds it: its path first, then its other topics in order. If no
    /// history holds it, the gap event, then all its path's history. Nothing when
    /// none of its topics keeps a history (they promise nothing).
    func replay(after lastEventID: String, to client: Client, topics: Set<String>) {
        let path = client.request.path
        let candidates = [path] + topics.subtracting([path]).sorted()
        for topic in candidates {
            if let frames = histories[topic]?.frames(after: lastEventID) {
                for frame in frames { enqueue(.send(client.id, frame), on: client.shard) }
                tally.queued += frames.count
                tally.countResume(.replayed)
                return
            }
        }
        guard candidates.contains(where: { historyCapacity(of: $0) > 0 }) else { return }
        tally.countResume(.gap)
        let gap = ServerSentEvent(data: lastEventID, event: Self.gapEventName)
        if let frame = try? Frame(gap, allocator: allocator) {
            enqueue(.send(client.id, frame), on: client.shard)
        }
        let kept = histories[path]?.frames ?? []
        for frame in kept { enqueue(.send(client.id, frame), on: client.shard) }
        tally.queued += kept.count + 1
    }
}
