import Logging
import NIOCore
import PushServer
import RedisClient

/// Reading topics' streams: the history when a topic's first subscriber comes, and
/// what was kept while the pub/sub link was down once it is back.
extension RedisBroker {
    /// What a read of a topic's stream found.
    enum StreamRead {
        case history([TopicNotice])
        case catchUp(TopicFeed.CatchUp)
    }

    /// Reads `topic`'s stream as its feed needs (unless a read is in flight: then once
    /// more after it), then delivers and goes live. A topic without history goes live
    /// at once. A failed read (Redis unavailable) is tried again in a moment.
    func synchronize(_ topic: String) {
        guard var state = feeds[topic] else { return }
        if state.isReading {
            feeds[topic]?.readAgain = true
            return
        }
        let capacity = hub.historyCapacity(of: topic)
        guard capacity > 0 else {
            for notice in state.feed.goLive() { deliver(notice, to: topic) }
            feeds[topic] = state
            return topicReady(topic)
        }
        state.isReading = true
        feeds[topic] = state
        let generation = state.generation
        let read =
            state.feed.hasReadStream ? catchUp(topic, after: state.feed.last) : history(of: topic, count: capacity)
        read.assumeIsolated().whenComplete { result in
            guard self.feeds[topic]?.generation == generation else { return }  // left meanwhile
            self.feeds[topic]?.isReading = false
            switch result {
            case .success(let found):
                self.apply(found, to: topic)
                if self.feeds[topic]?.readAgain == true {
                    self.feeds[topic]?.readAgain = false
                    self.feeds[topic]?.feed.startSyncing()
                    self.synchronize(topic)
                }
            case .failure:
                self.hub.loop.assumeIsolated().scheduleTask(in: .milliseconds(250)) {
                    guard self.feeds[topic]?.generation == generation else { return }
                    self.synchronize(topic)
                }
            }
        }
    }

    private func apply(_ found: StreamRead, to topic: String) {
        switch found {
        case .history(let entries):
            guard let (history, deliver) = feeds[topic]?.feed.loaded(entries) else { return }
            hub.loadHistory(
                history.compactMap { notice in notice.id.map { (payload: notice.event, id: $0) } }, of: topic)
            for notice in deliver { self.deliver(notice, to: topic) }
            topicReady(topic)
        case .catchUp(let catchUp):
            guard let (reset, deliver) = feeds[topic]?.feed.caughtUp(catchUp) else { return }
            if reset {
                logger.warning(
                    "the stream of \(topic) no longer holds the last event delivered here (Redis restarted without it, or trimmed it); delivering what it holds, and clients resuming from before get ssescript-gap"
                )
                hub.loadHistory([], of: topic)
            }
            for notice in deliver { self.deliver(notice, to: topic) }
            topicReady(topic)
        }
    }

    /// The newest `count` entries, oldest first.
    private func history(of topic: String, count: Int) -> EventLoopFuture<StreamRead> {
        redis.send(["XREVRANGE", ClusterKeys.stream(of: topic), "+", "-", "COUNT", String(count)]).map { reply in
            .history(Self.entries(of: reply).reversed())
        }
    }

    /// The entries after `last`: from `last` on if the stream still holds it, else
    /// everything it holds.
    private func catchUp(_ topic: String, after last: StreamEntryID?) -> EventLoopFuture<StreamRead> {
        let key = ClusterKeys.stream(of: topic)
        guard let last else {
            return redis.send(["XRANGE", key, "-", "+"]).map { .catchUp(.continuing(Self.entries(of: $0))) }
        }
        return redis.send(["XRANGE", key, last.description, "+"]).flatMap { reply in
            let entries = Self.entries(of: reply)
            if entries.first?.entry == last {
                return self.hub.loop.makeSucceededFuture(.catchUp(.continuing(Array(entries.dropFirst()))))
            }
            return self.redis.send(["XRANGE", key, "-", "+"]).map { .catchUp(.restarted(Self.entries(of: $0))) }
        }
    }

    private static func entries(of reply: RedisValue) -> [TopicNotice] {
        (reply.array ?? []).compactMap { TopicNotice(streamEntry: $0) }
    }
}
