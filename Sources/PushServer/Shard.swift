import NIOCore

/// The connections of one I/O event loop and who subscribes to what among them.
///
/// It carries out the hub's instructions in order, writing each event's one buffer
/// to every subscriber and flushing each touched connection once per batch. A
/// periodic sweep sends heartbeats on idle streams and closes connections that
/// never complete a request or stay over their write budget. A slow client found
/// in the middle of a batch is closed once the batch is done, not while a
/// subscriber list is being walked.
final class Shard: @unchecked Sendable {  // confined to `loop`; the hub only reaches it through `loop.execute`
    let index: Int
    let loop: EventLoop
    private let shardCount: Int
    private var nextSerial = 0
    private var connections: [Int: HTTPConnectionHandler] = [:]
    private var topics: [String: SubscriberList] = [:]
    private var everyone = SubscriberList()
    private var dirty: [HTTPConnectionHandler] = []
    /// Streams found too slow during the current batch or sweep, closed at its end.
    private var slow: [HTTPConnectionHandler] = []
    /// Connections that took too long to send their request, closed after the sweep.
    private var timedOut: [HTTPConnectionHandler] = []
    private var sweepTask: RepeatedTask?

    /// Counts sweeps; connections remember the tick of their last write.
    private(set) var tick: UInt32 = 0
    let tickLength: TimeAmount
    let heartbeatTicks: UInt32
    let requestTimeoutTicks: UInt32
    let heartbeat = Frame(raw: ": heartbeat\n")

    init(index: Int, of shardCount: Int, loop: EventLoop, configuration: PushServer.Configuration) {
        self.index = index
        self.shardCount = shardCount
        self.loop = loop
        let tick: TimeAmount = min(.nanoseconds(configuration.heartbeat.nanoseconds / 2), .milliseconds(250))
        self.tickLength = max(tick, .milliseconds(10))
        self.heartbeatTicks = Self.ticks(configuration.heartbeat, of: tickLength)
        self.requestTimeoutTicks = Self.ticks(configuration.requestTimeout, of: tickLength)
    }

    static func ticks(_ time: TimeAmount, of tick: TimeAmount) -> UInt32 {
        UInt32(clamping: max(1, time.nanoseconds / tick.nanoseconds))
    }

    /// Ticks between heartbeats for a stream's own interval.
    func heartbeatTicks(for interval: TimeAmount?) -> UInt32 {
        interval.map { Self.ticks($0, of: tickLength) } ?? heartbeatTicks
    }

    func start() {
        sweepTask = loop.scheduleRepeatedTask(initialDelay: tickLength, delay: tickLength) { [self] _ in sweep() }
    }

    func stop() {
        sweepTask?.cancel()
        sweepTask = nil
    }

    /// Ends every stream and closes every connection (shutdown); the future
    /// completes once all are closed.
    func closeAll() -> EventLoopFuture<Void> {
        stop()
        var closed: [EventLoopFuture<Void>] = []
        for connection in Array(connections.values) {
            if let future = connection.closeFuture { closed.append(future) }
            remove(connection)
            connection.endStream()
        }
        return EventLoopFuture.andAllComplete(closed, on: loop)
    }

    // MARK: Connections

    /// A new connection id, unique server-wide: the shard is `id % shardCount`.
    func makeConnectionID() -> Int {
        defer { nextSerial += 1 }
        return nextSerial * shardCount + index
    }

    func add(_ connection: HTTPConnectionHandler) {
        connections[connection.id] = connection
    }

    func remove(_ connection: HTTPConnectionHandler) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        for topic in connection.subscriptions.keys { unsubscribe(connection, from: topic) }
        if connection.broadcastPosition != nil { everyone.remove(connection, position: \.broadcastPosition) }
    }

    // MARK: The hub's instructions

    func apply(_ ops: [ShardOp]) {
        for op in ops {
            switch op {
            case .open(let id):
                guard let connection = connections[id], connection.openStream() else { continue }
                everyone.add(connection, position: \.broadcastPosition)
                markDirty(connection)
            case .send(let id, let frame):
                guard let connection = connections[id] else { continue }
                write(frame, to: connection)
            case .publish(let topic, let frame):
                for connection in topics[topic] ?? SubscriberList() { write(frame, to: connection) }
            case .broadcast(let frame):
                for connection in everyone { write(frame, to: connection) }
            case .subscribe(let id, let topic):
                guard let connection = connections[id], connection.subscriptions[topic] == nil else { continue }
                topics[topic, default: SubscriberList()].add(connection, topic: topic)
            case .unsubscribe(let id, let topic):
                guard let connection = connections[id] else { continue }
                unsubscribe(connection, from: topic)
            case .respond(let id, let bytes, let keepAlive):
                connections[id]?.respond(bytes, keepAlive: keepAlive)
            case .close(let id):
                guard let connection = connections[id] else { continue }
                remove(connection)
                connection.endStream()
            }
        }
        flushDirty()
        closeSlow()
    }

    /// Notes a stream to disconnect for reading too slowly, once the batch is done.
    func disconnectSlow(_ connection: HTTPConnectionHandler) {
        slow.append(connection)
    }

    private func closeSlow() {
        guard !slow.isEmpty else { return }
        let closing = slow
        slow.removeAll()
        for connection in closing { connection.disconnectSlow() }
    }

    private func unsubscribe(_ connection: HTTPConnectionHandler, from topic: String) {
        guard topics[topic]?.remove(connection, topic: topic) == true else { return }
        if topics[topic]?.isEmpty == true { topics[topic] = nil }
    }

    private func write(_ frame: Frame, to connection: HTTPConnectionHandler) {
        guard connection.write(frame) else { return }
        markDirty(connection)
    }

    private func markDirty(_ connection: HTTPConnectionHandler) {
        if !connection.isDirty {
            connection.isDirty = true
            dirty.append(connection)
        }
    }

    private func flushDirty() {
        for connection in dirty {
            connection.isDirty = false
            connection.flush()
        }
        dirty.removeAll(keepingCapacity: true)
    }

    // MARK: Sweep

    private func sweep() {
        tick &+= 1
        for connection in connections.values {
            if connection.isStreaming {
                if tick &- connection.lastWriteTick >= connection.heartbeatTicks { write(heartbeat, to: connection) }
                connection.checkBudget(tick: tick)
            } else if connection.isAwaitingRequest, tick &- connection.lastActivityTick >= requestTimeoutTicks {
                timedOut.append(connection)
            }
        }
        flushDirty()
        closeSlow()
        for connection in timedOut { connection.timeOut() }
        timedOut.removeAll()
    }
}

/// The connections subscribed to one topic, in an array for a fast fan-out. Each
/// connection remembers its position, so removal is a swap with the last.
struct SubscriberList: Sequence {
    private var members: ContiguousArray<HTTPConnectionHandler> = []

    var isEmpty: Bool { members.isEmpty }

    func makeIterator() -> ContiguousArray<HTTPConnectionHandler>.Iterator { members.makeIterator() }

    mutating func add(_ connection: HTTPConnectionHandler, topic: String) {
        connection.subscriptions[topic] = members.count
        members.append(connection)
    }

    /// False if the connection was not a member.
    @discardableResult
    mutating func remove(_ connection: HTTPConnectionHandler, topic: String) -> Bool {
        guard let position = connection.subscriptions.removeValue(forKey: topic) else { return false }
        let last = members.removeLast()
        if position < members.count {
            members[position] = last
            last.subscriptions[topic] = position
        }
        return true
    }

    mutating func add(
        _ connection: HTTPConnectionHandler, position: ReferenceWritableKeyPath<HTTPConnectionHandler, Int?>
    ) {
        connection[keyPath: position] = members.count
        members.append(connection)
    }

    mutating func remove(
        _ connection: HTTPConnectionHandler, position: ReferenceWritableKeyPath<HTTPConnectionHandler, Int?>
    ) {
        guard let index = connection[keyPath: position] else { return }
        connection[keyPath: position] = nil
        let last = members.removeLast()
        if index < members.count {
            members[index] = last
            last[keyPath: position] = index
        }
    }
}
