import EventStream
import NIOCore

/// Topic histories and resuming: what a client that comes back with
/// `Last-Event-ID` receives before any live event.
extension Hub {
    /// The event a client gets first when the id it resumes from is in no history
    /// (evicted, or never published): `event: ssescript-gap`, its data the id. It
    /// has no id of its own, so the client's last event id is left as it was.
    public static let gapEventName = "ssescript-gap"

    /// Sets the history size, time to live and id numbering of the topics named by
    /// stream paths (`PushServer.routes` does it when set); other topics get the
    /// server's defaults. Histories already kept carry over, trimmed to their new size.
    public func configureTopics(_ streams: [String: StreamOptions]) {
        loop.preconditionInEventLoop()
        topicOptions = streams
        let now = loop.now
        for topic in Array(histories.topics) {
            histories.configure(topic, capacity: historyCapacity(of: topic), ttl: historyTTL(of: topic), now: now)
        }
        labelPaths(streams.keys)
    }

    /// How many events with an id `topic` keeps (a broker reads that many back from
    /// the cluster when the topic's first subscriber comes).
    public func historyCapacity(of topic: String) -> Int {
        topicOptions[topic]?.history ?? configuration.history
    }

    /// How long `topic`'s history lives unused while nobody subscribes.
    func historyTTL(of topic: String) -> TimeAmount {
        topicOptions[topic]?.historyTTL ?? configuration.historyTTL
    }

    /// Keeps a published frame in its topic's history.
    func record(_ frame: Frame, id: String, in topic: String) {
        let capacity = historyCapacity(of: topic)
        guard capacity > 0 else { return }
        histories.append(frame, id: id, to: topic, capacity: capacity, ttl: historyTTL(of: topic), now: loop.now)
    }

    /// How many histories are kept, and how many were dropped to stay within `maxTopics`.
    public var historyCount: (kept: Int, evicted: Int) {
        loop.preconditionInEventLoop()
        return (histories.count, histories.evicted)
    }

    /// Drops the histories unused for their time to live, every `interval` from now
    /// on (`PushServer.start` starts it). After a sweep that dropped many, the
    /// memory they held is given back to the system.
    func startHistoryExpiry(every interval: TimeAmount = .milliseconds(250)) {
        loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            guard let self else { return }
            let dropped = histories.expire(now: loop.now) { count(topic: $0) > 0 }
            if dropped >= 1000 { FreedMemory.giveBack() }
        }
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
                histories.touch(topic, now: loop.now)
                for frame in frames { enqueue(.send(client.endpoint, frame), on: client.shard) }
                tally.queued += frames.count
                tally.countResume(.replayed)
                return
            }
        }
        guard candidates.contains(where: { historyCapacity(of: $0) > 0 }) else { return }
        tally.countResume(.gap)
        let gap = ServerSentEvent(data: lastEventID, event: Self.gapEventName)
        if let frame = try? Frame(gap, allocator: allocator) {
            enqueue(.send(client.endpoint, frame), on: client.shard)
        }
        let kept = histories[path]?.frames ?? []
        for frame in kept { enqueue(.send(client.endpoint, frame), on: client.shard) }
        histories.touch(path, now: loop.now)
        tally.queued += kept.count + 1
    }
}
