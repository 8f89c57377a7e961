import Logging
import NIOCore

/// The connections of one I/O event loop, the requests among them the hub knows
/// (`Endpoint`s), and who subscribes to what.
///
/// It carries out the hub's instructions in order, writing each event's one buffer
/// to every subscriber and flushing each touched stream once per batch. A periodic
/// sweep sends heartbeats on idle streams and closes connections that never
/// complete a request or streams that stay over their write budget. A slow stream
/// found in the middle of a batch is dropped once the batch is done, not while a
/// subscriber list is being walked.
final class Shard: @unchecked Sendable {  // confined to `loop`; the hub only reaches it through `loop.execute`
    let index: Int
    let loop: EventLoop
    private let configuration: PushServer.Configuration
    private let metrics: ServerMetrics
    /// What this loop counted since it last reported (plain integers: see `ShardTally`).
    var tally = ShardTally()
    private let shardCount: Int
    private var clientSerial = 0
    private var connections: [ObjectIdentifier: any ShardConnection] = [:]
    private(set) var endpoints: EndpointTable
    /// The subscribers of each topic, by its slot (`Topic`); empty for a free slot.
    private var topics: ContiguousArray<SubscriberList> = []
    /// Every open stream.
    var everyone = SubscriberList()
    private var dirty: [Endpoint] = []
    /// Streams found too slow during the current batch or sweep, dropped at its end.
    var slow: [Endpoint] = []
    private var sweepTask: RepeatedTask?
    /// Where requests, arrivals and departures are told; set by the hub.
    unowned(unsafe) var hub: Hub!
    /// What happened on this loop since its last hand-over to the hub.
    private var toHub: [HubEvent] = []

    /// Counts sweeps; streams remember the tick of their last write.
    private(set) var tick: UInt32 = 0
    let tickLength: TimeAmount
    private let heartbeatTicks: UInt32
    private let requestTimeoutTicks: UInt32
    private let slowClientTicks: UInt32
    private let heartbeat = Frame(raw: ": heartbeat\n")

    init(
        index: Int, of shardCount: Int, loop: EventLoop, configuration: PushServer.Configuration,
        metrics: ServerMetrics
    ) {
        self.index = index
        self.loop = loop
        self.configuration = configuration
        self.metrics = metrics
        self.shardCount = shardCount
        endpoints = EndpointTable(shard: index, of: shardCount)
        let tick: TimeAmount = min(.nanoseconds(configuration.heartbeat.nanoseconds / 2), .milliseconds(250))
        tickLength = max(tick, .milliseconds(10))
        heartbeatTicks = Self.ticks(configuration.heartbeat, of: tickLength)
        requestTimeoutTicks = Self.ticks(configuration.requestTimeout, of: tickLength)
        slowClientTicks = Self.ticks(configuration.slowClientTimeout, of: tickLength)
    }

    static func ticks(_ time: TimeAmount, of tick: TimeAmount) -> UInt32 {
        UInt32(clamping: max(1, time.nanoseconds / tick.nanoseconds))
    }

    /// Sweeps that take at least `time`, counted from any moment between two sweeps.
    static func ticksAtLeast(_ time: TimeAmount, of tick: TimeAmount) -> UInt32 {
        UInt32(clamping: (time.nanoseconds + tick.nanoseconds - 1) / tick.nanoseconds + 1)
    }

    func start() {
        sweepTask = loop.scheduleRepeatedTask(initialDelay: tickLength, delay: tickLength) { [self] _ in sweep() }
    }

    /// Ends every stream and closes every connection (shutdown); the future
    /// completes once all are closed.
    func closeAll() -> EventLoopFuture<Void> {
        sweepTask?.cancel()
        sweepTask = nil
        releaseEverythingHeld()
        // Streams end first, then HTTP/2 connections send GOAWAY behind their streams' last frames.
        let connections = self.connections.values.sorted { !($0 is HTTP2Connection) && $1 is HTTP2Connection }
        let closed = connections.compactMap { $0.shutdown() }
        // The hub hears of the streams that ended before the stop is over.
        return EventLoopFuture.andAllComplete(closed, on: loop).map { [self] in
            if !toHub.isEmpty { handOverToHub() }
        }
    }

    // MARK: Connections and endpoints

    /// The requests the hub knows here, and the connections (for the fuzzer's leak check).
    var endpointCount: Int { endpoints.count }
    var connectionCount: Int { connections.count }

    func add(_ connection: any ShardConnection) {
        connections[ObjectIdentifier(connection)] = connection
    }

    func remove(_ connection: any ShardConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    /// Registers a request the connection hands to the hub, under a new id unique
    /// server-wide while the server runs (the shard is `id % shardCount`).
    func register(_ sink: any StreamSink, options: StreamOptions?) -> Int {
        let id = endpoints.nextID
        let budget = WriteBudget(limit: configuration.clientBuffer, patience: slowClientTicks)
        let ticks = options?.heartbeat.map { Self.ticks($0, of: tickLength) } ?? heartbeatTicks
        endpoints.insert(
            Endpoint(
                id: id, sink: sink, tick: tick, heartbeatTicks: ticks, budget: budget,
                lifetimeTicks: options?.timeout.map { Self.ticksAtLeast($0, of: tickLength) },
                jitter: options?.jitter.flatMap { $0 > .zero ? $0 : nil }))
        return id
    }

    /// A new `Client.id`: unique server-wide while the server runs, in the order the
    /// loop's clients came (the loop is `id % shardCount`). Not the loop's own id
    /// for the stream (`register`), which names a slot that is reused under new
    /// generations, so it grows too fast for lua-cjson's digits or JavaScript's.
    func newClientID() -> Int {
        defer { clientSerial += 1 }
        return clientSerial * shardCount + index
    }

    /// Forgets a request: answered, ended, or its connection gone.
    func unregister(_ id: Int) {
        guard let endpoint = endpoints.remove(id) else { return }
        endpoint.release?.task.cancel()
        endpoint.release = nil
        // Taken out first: dropping them one by one from the endpoint's own
        // dictionary while walking it would copy it.
        let subscriptions = endpoint.subscriptions
        endpoint.subscriptions = InlineFirstDictionary()
        for (topic, position) in subscriptions { removeSubscriber(at: position, of: topic) }
        everyone.removeOpen(endpoint)
    }

    /// The stream's transport crossed its water marks.
    func writabilityChanged(_ id: Int, isWritable: Bool) {
        endpoints[id]?.budget.writabilityChanged(isWritable: isWritable, tick: tick)
    }

    // MARK: To the hub

    /// Tells the hub a stream's or a plain request's arrival, or a stream's
    /// departure: once per loop tick, in order, in one hand-over, so a storm of
    /// connections or departures costs the script loop one wake-up per tick, not one each.
    func tell(_ event: HubEvent) {
        if toHub.isEmpty { loop.execute { [self] in handOverToHub() } }
        toHub.append(event)
    }

    func handOverToHub() {
        let events = toHub
        toHub = []
        let hub = self.hub!
        hub.loop.execute { hub.receive(events) }
    }

    // MARK: The hub's instructions

    /// Batches from the hub, taken together by `drainInbox`.
    let inbox = ShardInbox()

    /// Takes every batch the hub has left, until none is left.
    func drainInbox() {
        while case let ops = inbox.take(), !ops.isEmpty { apply(ops) }
    }

    func apply(_ ops: [ShardOp]) {
        for op in ops {
            switch op {
            case .open(let id, let greeting):
                guard let endpoint = endpoints[id], !endpoint.isOpen, endpoint.sink.openStream(greeting: greeting)
                else { continue }
                endpoint.openedTick = tick
                everyone.addOpen(endpoint)
                markDirty(endpoint)
            case .send(let id, let frame):
                guard let endpoint = endpoints[id], write(frame, to: endpoint) else { continue }
                countSent(frame, times: 1)
            case .publish(let topic, let frame):
                if topic < topics.count { write(frame, toEach: topics[topic]) }
            case .broadcast(let frame):
                write(frame, toEach: everyone)
            case .subscribe(let id, let topic):
                // Not a stream that is ending behind what it holds: its topics are dropped.
                guard let endpoint = endpoints[id], endpoint.isOpen, endpoint.subscriptions[topic] == nil else {
                    continue
                }
                while topics.count <= topic { topics.append(SubscriberList()) }  // slots are handed out densely
                topics[topic].add(endpoint, topic: topic)
            case .unsubscribe(let id, let topic):
                guard let endpoint = endpoints[id] else { continue }
                unsubscribe(endpoint, from: topic)
            case .respond(let id, let response):
                guard let endpoint = endpoints[id] else { continue }
                unregister(id)
                endpoint.sink.respond(response)
            case .end(let id):
                guard let endpoint = endpoints[id] else { continue }
                end(endpoint)
            case .abort(let id):
                guard let endpoint = endpoints[id] else { continue }
                unregister(id)
                endpoint.sink.abort()
            case .stall(let id, let duration):
                guard let endpoint = endpoints[id] else { continue }
                stall(endpoint, for: duration)
            case .disconnectSlow(let id, let queued):
                guard let endpoint = endpoints[id], endpoint.budget.markSlow() else { continue }
                endpoint.queuedInHub = queued
                slow.append(endpoint)
            }
        }
        flushDirty()
        dropSlow()
    }

    func unsubscribe(_ endpoint: Endpoint, from topic: Int) {
        guard let position = endpoint.subscriptions.removeValue(forKey: topic) else { return }
        removeSubscriber(at: position, of: topic)
    }

    /// Drops the subscriber at `position` of `topic`, and the list's storage once it has none.
    private func removeSubscriber(at position: Int, of topic: Int) {
        topics[topic].remove(at: position, topic: topic)
        if topics[topic].isEmpty { topics[topic] = SubscriberList() }  // its storage freed
    }

    /// Queues `frame` for the stream (written, or held while it stalls); false if
    /// it was not (the stream is not open, or too slow).
    @discardableResult
    func write(_ frame: Frame, to endpoint: Endpoint) -> Bool {
        guard !endpoint.budget.isSlow else { return false }
        if endpoint.held != nil {
            hold(frame, for: endpoint)
            return true
        }
        guard endpoint.sink.write(frame) else { return false }
        endpoint.lastWriteTick = tick
        markDirty(endpoint)
        return true
    }

    /// Queues `frame` for each of `endpoints` (a topic's subscribers, every open stream).
    private func write(_ frame: Frame, toEach endpoints: some Sequence<Endpoint>) {
        var sent = 0
        for endpoint in endpoints {
            if write(frame, to: endpoint) { sent += 1 }
        }
        countSent(frame, times: sent)
    }

    private func countSent(_ frame: Frame, times: Int) {
        tally.eventsSent &+= times
        tally.bytesSent &+= times &* frame.payload.readableBytes
    }

    func markDirty(_ endpoint: Endpoint) {
        if !endpoint.isDirty {
            endpoint.isDirty = true
            dirty.append(endpoint)
        }
    }

    /// Flushes the batch's writes. A stream still over its budget once the
    /// transport has taken what it could, with more than twice its budget left
    /// waiting, is too slow: dropped once the batch is done.
    func flushDirty() {
        for endpoint in dirty {
            endpoint.isDirty = false
            if endpoint.budget.flushed(waiting: endpoint.sink.flush(), tick: tick) { slow.append(endpoint) }
        }
        dirty.removeAll(keepingCapacity: true)
    }

    func dropSlow() {
        guard !slow.isEmpty else { return }
        let dropping = slow
        slow.removeAll()
        for endpoint in dropping {
            unregister(endpoint.id)
            endpoint.sink.disconnectSlow(queuedInHub: endpoint.queuedInHub)
        }
    }

    // MARK: Sweep

    private func sweep() {
        tick &+= 1
        var expired: [Endpoint] = []
        for endpoint in everyone {
            if tick &- endpoint.lastWriteTick >= endpoint.heartbeatTicks { write(heartbeat, to: endpoint) }
            if endpoint.budget.check(tick: tick) { slow.append(endpoint) }
            if let lifetime = endpoint.lifetimeTicks, tick &- endpoint.openedTick >= lifetime {
                expired.append(endpoint)
            }
        }
        for endpoint in expired { expire(endpoint) }
        flushDirty()
        dropSlow()
        let late = connections.values.filter { $0.hasWaited(requestTimeoutTicks, at: tick) }
        for connection in late { connection.timeOut() }
        tally.timedOut += late.count
        if metrics.isRecording { tally.report(to: metrics) }
    }

    /// Adds what this loop counted to the server's series (before a scrape).
    func reportMetrics() {
        loop.preconditionInEventLoop()
        tally.report(to: metrics)
    }
}
