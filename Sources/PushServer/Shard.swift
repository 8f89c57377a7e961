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
    private let shardCount: Int
    private let configuration: PushServer.Configuration
    private var nextSerial = 0
    private var connections: [ObjectIdentifier: any ShardConnection] = [:]
    private var endpoints: [Int: Endpoint] = [:]
    private var topics: [String: SubscriberList] = [:]
    /// Every open stream.
    private var everyone = SubscriberList()
    private var dirty: [Endpoint] = []
    /// Streams found too slow during the current batch or sweep, dropped at its end.
    private var slow: [Endpoint] = []
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

    init(index: Int, of shardCount: Int, loop: EventLoop, configuration: PushServer.Configuration) {
        self.index = index
        self.shardCount = shardCount
        self.loop = loop
        self.configuration = configuration
        let tick: TimeAmount = min(.nanoseconds(configuration.heartbeat.nanoseconds / 2), .milliseconds(250))
        tickLength = max(tick, .milliseconds(10))
        heartbeatTicks = Self.ticks(configuration.heartbeat, of: tickLength)
        requestTimeoutTicks = Self.ticks(configuration.requestTimeout, of: tickLength)
        slowClientTicks = Self.ticks(configuration.slowClientTimeout, of: tickLength)
    }

    static func ticks(_ time: TimeAmount, of tick: TimeAmount) -> UInt32 {
        UInt32(clamping: max(1, time.nanoseconds / tick.nanoseconds))
    }

    func start() {
        sweepTask = loop.scheduleRepeatedTask(initialDelay: tickLength, delay: tickLength) { [self] _ in sweep() }
    }

    /// Ends every stream and closes every connection (shutdown); the future
    /// completes once all are closed.
    func closeAll() -> EventLoopFuture<Void> {
        sweepTask?.cancel()
        sweepTask = nil
        // Streams end first, then HTTP/2 connections send GOAWAY behind their streams' last frames.
        let connections = self.connections.values.sorted { !($0 is HTTP2Connection) && $1 is HTTP2Connection }
        let closed = connections.compactMap { $0.shutdown() }
        return EventLoopFuture.andAllComplete(closed, on: loop)
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
    /// server-wide (the shard is `id % shardCount`).
    func register(_ sink: any StreamSink, heartbeat: TimeAmount?) -> Int {
        let id = nextSerial * shardCount + index
        nextSerial += 1
        let budget = WriteBudget(limit: configuration.clientBuffer, patience: slowClientTicks)
        let ticks = heartbeat.map { Self.ticks($0, of: tickLength) } ?? heartbeatTicks
        endpoints[id] = Endpoint(id: id, sink: sink, tick: tick, heartbeatTicks: ticks, budget: budget)
        return id
    }

    /// Forgets a request: answered, ended, or its connection gone.
    func unregister(_ id: Int) {
        guard let endpoint = endpoints.removeValue(forKey: id) else { return }
        for topic in endpoint.subscriptions.keys { unsubscribe(endpoint, from: topic) }
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

    private func handOverToHub() {
        let events = toHub
        toHub = []
        let hub = self.hub!
        hub.loop.execute { hub.receive(events) }
    }

    // MARK: The hub's instructions

    func apply(_ ops: [ShardOp]) {
        for op in ops {
            switch op {
            case .open(let id):
                guard let endpoint = endpoints[id], !endpoint.isOpen, endpoint.sink.openStream() else { continue }
                everyone.addOpen(endpoint)
                markDirty(endpoint)
            case .send(let id, let frame):
                guard let endpoint = endpoints[id] else { continue }
                write(frame, to: endpoint)
            case .publish(let topic, let frame):
                for endpoint in topics[topic] ?? SubscriberList() { write(frame, to: endpoint) }
            case .broadcast(let frame):
                for endpoint in everyone { write(frame, to: endpoint) }
            case .subscribe(let id, let topic):
                guard let endpoint = endpoints[id], endpoint.subscriptions[topic] == nil else { continue }
                topics[topic, default: SubscriberList()].add(endpoint, topic: topic)
            case .unsubscribe(let id, let topic):
                guard let endpoint = endpoints[id] else { continue }
                unsubscribe(endpoint, from: topic)
            case .respond(let id, let response):
                guard let endpoint = endpoints[id] else { continue }
                unregister(id)
                endpoint.sink.respond(response)
            case .end(let id):
                guard let endpoint = endpoints[id] else { continue }
                unregister(id)
                endpoint.sink.endStream()
            case .disconnectSlow(let id, let queued):
                guard let endpoint = endpoints[id], endpoint.budget.markSlow() else { continue }
                endpoint.queuedInHub = queued
                slow.append(endpoint)
            }
        }
        flushDirty()
        dropSlow()
    }

    private func unsubscribe(_ endpoint: Endpoint, from topic: String) {
        guard topics[topic]?.remove(endpoint, topic: topic) == true else { return }
        if topics[topic]?.isEmpty == true { topics[topic] = nil }
    }

    private func write(_ frame: Frame, to endpoint: Endpoint) {
        guard !endpoint.budget.isSlow, endpoint.sink.write(frame) else { return }
        endpoint.lastWriteTick = tick
        markDirty(endpoint)
    }

    private func markDirty(_ endpoint: Endpoint) {
        if !endpoint.isDirty {
            endpoint.isDirty = true
            dirty.append(endpoint)
        }
    }

    /// Flushes the batch's writes. A stream still over its budget once the
    /// transport has taken what it could, with more than twice its budget left
    /// waiting, is too slow: dropped once the batch is done.
    private func flushDirty() {
        for endpoint in dirty {
            endpoint.isDirty = false
            if endpoint.budget.flushed(waiting: endpoint.sink.flush(), tick: tick) { slow.append(endpoint) }
        }
        dirty.removeAll(keepingCapacity: true)
    }

    private func dropSlow() {
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
        for endpoint in everyone {
            if tick &- endpoint.lastWriteTick >= endpoint.heartbeatTicks { write(heartbeat, to: endpoint) }
            if endpoint.budget.check(tick: tick) { slow.append(endpoint) }
        }
        flushDirty()
        dropSlow()
        let late = connections.values.filter { $0.hasWaited(requestTimeoutTicks, at: tick) }
        for connection in late { connection.timeOut() }
    }
}
