public import Logging
public import NIOCore
public import PushServer
public import RedisClient

/// The hub's broker in a cluster: publishes go to Redis, and come back to every
/// instance with subscribers through pub/sub, in the order Redis gave them.
///
/// - A topic with a history keeps its events with an id in a Redis Stream; the
///   publish is one server-side script (`XADD`, then `PUBLISH` with the entry id), so
///   stream and channel agree, and auto ids are the stream's, the same everywhere.
/// - An instance subscribes to a topic's channel when its first local subscriber
///   comes and unsubscribes when the last leaves. Each time, and each time the
///   pub/sub link comes back, it reads the topic's stream (`TopicFeed`): the first
///   time into the hub's history (a resuming client waits for it, `whenReady`), after
///   a reconnect from the last entry it delivered, so events kept while the link was
///   down still reach its clients, and none twice.
/// - Broadcasts go on one channel every instance subscribes to; they are kept nowhere.
/// - While the command link is down, publishes are refused at once ("redis
///   unavailable"), counted and logged (`PublishFailures`); nothing is queued.
///
/// Confined to the hub's loop, where the Redis links also run: every callback of
/// theirs and every method here is on it.
public final class RedisBroker: TopicBroker, @unchecked Sendable {  // confined to `hub.loop`, asserted in entry points
    let hub: Hub
    let redis: RedisConnection
    let logger: Logger
    /// This instance's own channel (drain markers).
    let nodeChannel: String
    /// The pub/sub link, made in `init` (its callbacks reach back here weakly).
    private(set) var subscriber: RedisSubscriber!
    var feeds: [String: FeedState] = [:]
    private var nextGeneration = 0
    private var waiters: [ReadyWaiter] = []
    private var commandLinkUp = false
    private var failures = PublishFailures()
    private var drainMarker = 0
    /// Redis as `/metrics` and `/healthz` see it.
    var health: RedisHealth
    var lagProbes: RepeatedTask?
    private var drains: [(marker: Int, promise: EventLoopPromise<Void>)] = []

    /// A topic with local subscribers: its feed, and the stream read in flight.
    struct FeedState {
        var feed = TopicFeed()
        let generation: Int
        var isReading = false
        var readAgain = false
    }

    /// A resuming client's replay, waiting for its topics' histories.
    private final class ReadyWaiter {
        var pending: Set<String>
        let ready: () -> Void
        init(pending: Set<String>, ready: @escaping () -> Void) {
            self.pending = pending
            self.ready = ready
        }
    }

    /// A broker for `hub`, publishing on `redis` (whose loop must be the hub's) and
    /// subscribing on a link of its own made from `configuration`.
    init(
        hub: Hub, redis: RedisConnection, configuration: RedisConfiguration, token: String, metrics: ClusterMetrics,
        logger: Logger
    ) {
        precondition(redis.eventLoop === hub.loop, "the broker's Redis connection must run on the hub's loop")
        self.hub = hub
        health = RedisHealth(metrics: metrics)
        self.redis = redis
        self.logger = logger
        nodeChannel = ClusterKeys.nodeChannel(token: token)
        let relay = BrokerRelay()
        subscriber = RedisSubscriber(
            configuration: configuration, eventLoop: hub.loop, logger: logger,
            onStateChange: { state in relay.broker?.subscriberLinkChanged(state) },
            onMessage: { channel, payload in relay.broker?.received(payload, on: channel) })
        relay.broker = self
    }

    /// Publishes refused because Redis was unavailable (the script got `nil, reason`).
    public var refusedPublishes: Int { failures.refused }
    /// Publishes sent whose reply never came (the link dropped): maybe lost, logged.
    public var unconfirmedPublishes: Int { failures.unconfirmed }
    /// Notices dropped because too many came while their topic's stream was read.
    public var overflowedNotices: Int { feeds.values.reduce(0) { $0 + $1.feed.overflowed } }

    /// Starts the pub/sub link: the broadcast channel and this instance's own, then
    /// topics as their subscribers come, and a lag probe every `lagProbeInterval`.
    /// The future succeeds at the first connection.
    func start(lagProbeInterval: TimeAmount) -> EventLoopFuture<Void> {
        startLagProbes(every: lagProbeInterval)
        subscriber.subscribe(ClusterKeys.broadcastChannel)
        subscriber.subscribe(nodeChannel)
        return subscriber.start()
    }

    func close() -> EventLoopFuture<Void> {
        lagProbes?.cancel()
        lagProbes = nil
        for drain in drains { drain.promise.succeed() }
        drains = []
        return subscriber.close()
    }

    // MARK: TopicBroker

    public func publish(_ event: BrokeredEvent) -> String? {
        hub.loop.preconditionInEventLoop()
        guard commandLinkUp else {
            failures.noteRefused(topic: event.topic, now: hub.loop.now, logger: logger)
            return RedisError.unavailable.description
        }
        let reply: EventLoopFuture<RedisValue>
        if let topic = event.topic {
            reply = publish(event, to: topic)
        } else {
            reply = redis.send([
                ByteBuffer(string: "PUBLISH"), ByteBuffer(string: ClusterKeys.broadcastChannel), event.payload,
            ])
        }
        reply.assumeIsolated().whenFailure { error in
            self.failures.noteUnconfirmed(topic: event.topic, error: error, now: self.hub.loop.now, logger: self.logger)
        }
        return nil
    }

    /// Kept in the stream if it has an id and the topic a history, or if the cluster
    /// numbers it (with a history of 0, the stream keeps only its last id); else a plain `PUBLISH`.
    private func publish(_ event: BrokeredEvent, to topic: String) -> EventLoopFuture<RedisValue> {
        let channel = ByteBuffer(string: ClusterKeys.channel(of: topic))
        guard event.autoID || (event.id != nil && event.history > 0) else {
            let message = TopicNotice.message(ownID: event.id, payload: event.payload)
            return redis.send([ByteBuffer(string: "PUBLISH"), channel, message])
        }
        return redis.run(
            ClusterScripts.publish, keys: [ByteBuffer(string: ClusterKeys.stream(of: topic))],
            arguments: [
                channel, ByteBuffer(string: String(max(event.history, 0))),
                ByteBuffer(string: event.autoID ? "" : event.id ?? ""), event.payload,
            ])
    }

    public func subscribersAppeared(for topic: String) {
        hub.loop.preconditionInEventLoop()
        nextGeneration += 1
        let generation = nextGeneration
        feeds[topic] = FeedState(generation: generation)
        subscriber.subscribe(ClusterKeys.channel(of: topic)).assumeIsolated().whenSuccess {
            // Subscribed: whatever is published from now on reaches us, so the stream can be read.
            guard self.feeds[topic]?.generation == generation else { return }
            self.synchronize(topic)
        }
        // If the link is down, it subscribes when it comes back, and `connected` reads the stream.
    }

    public func subscribersLeft(_ topic: String) {
        hub.loop.preconditionInEventLoop()
        feeds[topic] = nil
        subscriber.unsubscribe(ClusterKeys.channel(of: topic))
        topicReady(topic)
    }

    public func whenReady(_ topics: [String], _ ready: @escaping () -> Void) {
        hub.loop.preconditionInEventLoop()
        // A history being read (first subscriber, or back after a reconnect, when Redis
        // may have lost it) is waited for; during an outage the one held here is good.
        let pending = Set(topics.filter { feeds[$0].map { !$0.feed.isLoaded || $0.feed.phase == .syncing } ?? false })
        if pending.isEmpty { return ready() }
        waiters.append(ReadyWaiter(pending: pending, ready: ready))
    }

    /// A topic's history is read (or it has no subscriber left): replays waiting only for it go.
    func topicReady(_ topic: String) {
        var due: [ReadyWaiter] = []
        waiters.removeAll { waiter in
            waiter.pending.remove(topic)
            if waiter.pending.isEmpty { due.append(waiter) }
            return waiter.pending.isEmpty
        }
        for waiter in due { waiter.ready() }
    }

    // MARK: Links

    /// The command link's changes (`ClusterNode` passes them on).
    func commandLinkChanged(_ state: RedisLinkState) {
        commandLinkUp = state == .connected
        health.commandLink(state)
        guard state == .connected else { return }
        // Loaded before any publish can follow on this link: after a Redis restart,
        // EVALSHA never falls back to EVAL in the middle of a burst (which could reorder it).
        for script in ClusterScripts.all { _ = redis.send(["SCRIPT", "LOAD", script.source]) }
        failures.flush(logger: logger)
        for topic in Array(feeds.keys) where feeds[topic]?.feed.phase == .syncing { synchronize(topic) }
    }

    private func subscriberLinkChanged(_ state: RedisLinkState) {
        health.subscriberLink(state)
        guard state == .connected else { return }
        // Re-subscribed to everything; what was published while the link was down is
        // in the streams: hold notices until each topic's stream is read again.
        for topic in Array(feeds.keys) {
            feeds[topic]?.feed.startSyncing()
            synchronize(topic)
        }
    }

    private func received(_ payload: ByteBuffer, on channel: String) {
        if channel == ClusterKeys.broadcastChannel { return hub.deliver(payload, id: nil, to: nil) }
        if channel == nodeChannel { return receivedOnNodeChannel(payload) }
        guard let topic = ClusterKeys.topic(ofChannel: channel), feeds[topic] != nil,
            let notice = TopicNotice(message: payload)
        else { return }
        if let notice = feeds[topic]?.feed.receive(notice) { deliver(notice, to: topic) }
    }

    func deliver(_ notice: TopicNotice, to topic: String) {
        hub.deliver(notice.event, id: notice.id, to: topic)
    }

    // MARK: Draining

    /// Succeeds once the notices of every publish sent so far have come back and been
    /// delivered (a marker on this instance's channel, behind them on both links), or
    /// after `timeout`. A graceful stop waits for it, so `on_stop`'s events go out.
    func drain(timeout: TimeAmount) -> EventLoopFuture<Void> {
        hub.loop.preconditionInEventLoop()
        guard commandLinkUp else { return hub.loop.makeSucceededVoidFuture() }
        drainMarker += 1
        let promise = hub.loop.makePromise(of: Void.self)
        drains.append((drainMarker, promise))
        let marker = drainMarker
        _ = redis.send(["PUBLISH", nodeChannel, String(marker)])
        hub.loop.assumeIsolated().scheduleTask(in: timeout) { self.drained(marker: marker) }
        return promise.futureResult
    }

    /// The marker came back (or its time is up): the drains up to it are done.
    func drained(upTo marker: Int) {
        let due = drains.filter { $0.marker <= marker }
        drains.removeAll { $0.marker <= marker }
        for drain in due { drain.promise.succeed() }
    }

    private func drained(marker: Int) {
        guard let index = drains.firstIndex(where: { $0.marker == marker }) else { return }
        drains.remove(at: index).promise.succeed()
    }
}

/// Lets the Redis links' callbacks, made before the broker exists, reach it weakly.
final class BrokerRelay: @unchecked Sendable {  // written once during init, then read on the hub's loop only
    weak var broker: RedisBroker?
}
