import CoreMetrics
public import EventStream
import Logging
public import NIOCore
public import NIOHTTP1

/// What the server asks of the application (the script host). Called on the hub's loop.
public protocol PushApplication: AnyObject {
    /// A stream client's request is complete. Send, subscribe or deny now; if the
    /// client is still pending when this returns, the hub opens its stream.
    func hub(_ hub: Hub, didConnect client: Client)
    /// The client went away, and why: its peer closed (`peer`), it was too slow
    /// (`slow`), its stream's time was up (`timeout`), the server stops
    /// (`shutdown`). Not called for clients the application closed, dropped or
    /// denied itself.
    func hub(_ hub: Hub, didDisconnect client: Client, reason: DisconnectReason)
    /// A request for a plain HTTP endpoint; answer it with `hub.respond(to:with:)`.
    func hub(_ hub: Hub, didReceive request: Request, exchange: Exchange)
}

/// A plain HTTP request waiting for its response: the id its connection knows it by.
public struct Exchange: Sendable, Hashable {
    let id: Int
}

/// The server's state that the application acts on: stream clients, topics, and
/// the instructions on their way to the I/O loops.
///
/// Every method runs on `loop`, the control loop (in ssescript the script loop),
/// so nothing here is locked: each I/O loop gets the hub's instructions in
/// batches, in order, with one `execute` per loop and batch. An event is encoded
/// once and the same bytes go to every subscriber.
public final class Hub: @unchecked Sendable {  // confined to `loop`, asserted in each entry point
    public let loop: EventLoop
    public weak var application: PushApplication?
    /// Carries publishes between the instances of a cluster; nil on one instance.
    public var broker: TopicBroker?
    let configuration: PushServer.Configuration
    let shards: [Shard]
    /// The server's series; the cluster's broker attaches its own here (`attachCluster()`).
    public let metrics: ServerMetrics
    let logger: Logger
    /// Publishes, resumes, departures and open streams, counted on this loop (see `Hub+Metrics`).
    var tally = HubTally()
    /// The paths that are labels of `ssescript_clients` (the first declared, up to a limit).
    var pathLabels: Set<String> = []
    var clientGauges: [String: Gauge] = [:]
    let allocator = ByteBufferAllocator()
    /// The clients by the id their I/O loop knows them by (`Client.endpoint`).
    private var streams: [Int: Client] = [:]
    private var topics: [String: Topic] = [:]
    private var topicSlots = TopicSlots()
    var outboxes: [[ShardOp]]
    private var flushScheduled = false
    /// What the outbox and each client's sends may hold before the I/O loops have it (`Hub+SendBudget`).
    var outboxBudget: OutboxBudget
    /// Open streams (not pending), counted as they open and go.
    private var openCount = 0
    /// The recent events with an id of each topic that had one, bounded in time and
    /// number (see `Hub+History`, `HistoryStore`).
    var histories: HistoryStore
    /// History size and id numbering of the topics named by stream paths.
    var topicOptions: [String: StreamOptions] = [:]
    var eventIDs = EventIDGenerator()

    init(
        loop: EventLoop, configuration: PushServer.Configuration, shards: [Shard], metrics: ServerMetrics,
        logger: Logger
    ) {
        self.loop = loop
        self.configuration = configuration
        self.shards = shards
        self.metrics = metrics
        self.logger = logger
        self.outboxes = Array(repeating: [], count: shards.count)
        self.outboxBudget = OutboxBudget(clientLimit: configuration.clientBuffer)
        self.histories = HistoryStore(maxTopics: configuration.maxTopics)
        for shard in shards { shard.hub = self }
    }

    // MARK: Clients

    /// The connected stream client whose I/O loop knows it by `endpoint` (the ids
    /// `ServerSimulation.connect` returns).
    public func client(atEndpoint endpoint: Int) -> Client? { streams[endpoint] }

    /// Every connected stream client.
    public var clients: Dictionary<Int, Client>.Values { streams.values }

    /// How many stream clients are connected, or subscribed to `topic`.
    public func count(topic: String? = nil) -> Int {
        guard let topic else { return streams.count }
        return topics[topic]?.count ?? 0
    }

    /// Opens a pending client's stream: response head, first comment (unless
    /// `greeting` is false), and its subscriptions (its path and any made while it
    /// was pending).
    public func open(_ client: Client, greeting: Bool = true) {
        loop.preconditionInEventLoop()
        guard client.state == .pending else { return }
        client.state = .open
        openCount += 1
        tally.streamOpened(path: client.request.path)
        enqueue(.open(client.endpoint, greeting: greeting), on: client.shard)
        // Its path, and the topics it was subscribed to while pending (rare), in order.
        let subscribedWhilePending = !client.topics.isEmpty
        client.topics.insert(client.request.path)
        let wanted = subscribedWhilePending ? client.topics.sorted() : [client.request.path]
        let lastEventID = client.request.lastEventID ?? ""
        for topic in wanted {
            let slot = addSubscriber(client, to: topic)
            if lastEventID.isEmpty { enqueue(.subscribe(client.endpoint, topic: slot), on: client.shard) }
        }
        guard !lastEventID.isEmpty else { return }
        // Replayed events are queued behind the head and before the subscriptions:
        // whatever is published from now on comes after them, once. In a cluster,
        // once the histories hold what the cluster kept.
        let resume = { [self] in
            guard client.isConnected else { return }
            replay(after: lastEventID, to: client, topics: Set(wanted))
            // Counted since `open`, so still there with the same slot.
            for topic in wanted where client.topics.contains(topic) {
                guard let slot = topics[topic]?.slot else { continue }
                enqueue(.subscribe(client.endpoint, topic: slot), on: client.shard)
            }
        }
        if let broker { broker.whenReady(wanted, resume) } else { resume() }
    }

    /// Sends `event` to one client, opening its stream first if needed. False when
    /// the client is gone; throws, sending nothing, when the event cannot be encoded.
    @discardableResult
    public func send(_ event: ServerSentEvent, to client: Client) throws(EventEncodingError) -> Bool {
        let frame = try Frame(event, allocator: allocator)
        return send(frame, to: client)
    }

    /// Sends an encoded event to one client, opening its stream first if needed.
    /// False when the client is gone, or when this send puts it over its budget
    /// (it is then dropped as a slow client; see `Hub+SendBudget`).
    @discardableResult
    public func send(_ frame: Frame, to client: Client) -> Bool {
        loop.preconditionInEventLoop()
        guard client.isConnected else { return false }
        open(client)
        guard !frame.isEmpty else { return true }
        guard queue(frame, for: client) else { return false }
        tally.queued += 1
        return true
    }

    /// Answers a pending client with a plain HTTP error instead of a stream (a
    /// browser's `EventSource` does not reconnect after it). False if the stream
    /// has already started or the client is gone.
    @discardableResult
    public func deny(_ client: Client, status: HTTPResponseStatus, message: String) -> Bool {
        respond(client, with: Response(status: status, text: message))
    }

    /// Answers a pending client with a plain HTTP response instead of a stream (an
    /// API that streams only when asked, as `"stream": false` to an LLM API). False
    /// if the stream has already started or the client is gone.
    @discardableResult
    public func respond(_ client: Client, with response: Response) -> Bool {
        loop.preconditionInEventLoop()
        guard client.state == .pending else { return false }
        // Refused (a deny, an error) or answered another way (`client:respond` with a 2xx).
        forget(client, as: response.status.code >= 300 ? .denied : .closed, status: response.status.code)
        enqueue(.respond(client.endpoint, response), on: client.shard)
        return true
    }

    /// Ends a client's stream cleanly (opening it first if nothing was sent).
    public func close(_ client: Client) {
        loop.preconditionInEventLoop()
        guard client.isConnected else { return }
        open(client)
        forget(client, as: .closed)
        enqueue(.end(client.endpoint), on: client.shard)
    }

    // MARK: Topics

    /// Adds `topic` to what `client` receives.
    public func subscribe(_ client: Client, to topic: String) {
        loop.preconditionInEventLoop()
        guard client.isConnected, client.topics.insert(topic), client.state == .open else { return }
        enqueue(.subscribe(client.endpoint, topic: addSubscriber(client, to: topic)), on: client.shard)
    }

    /// Removes `topic` from what `client` receives.
    public func unsubscribe(_ client: Client, from topic: String) {
        loop.preconditionInEventLoop()
        guard client.topics.remove(topic), client.state == .open else { return }
        guard let slot = removeSubscriber(client, from: topic) else { return }
        enqueue(.unsubscribe(client.endpoint, topic: slot), on: client.shard)
    }

    /// Sends `event` to every subscriber of `topic`, and keeps it in the topic's
    /// history if it has an id (given, or the topic's own with `autoIDs`).
    /// Returns how many subscribers there are on this instance. In a cluster, the
    /// event goes through the broker and is delivered when it comes back; throws
    /// `PublishUnavailable` when the broker cannot take it.
    @discardableResult
    public func publish(_ event: ServerSentEvent, to topic: String) throws -> Int {
        loop.preconditionInEventLoop()
        var event = event
        let options = topicOptions[topic]
        let autoIDs = options?.autoIDs == true && event.id == nil
        if let broker {
            let frame = try Frame(event, allocator: allocator)
            let brokered = BrokeredEvent(
                topic: topic, payload: frame.payload, id: frame.id, autoID: autoIDs,
                history: historyCapacity(of: topic))
            if let reason = broker.publish(brokered) { throw PublishUnavailable(description: reason) }
            tally.countPublish(options == nil ? .topic : .stream)
            return count(topic: topic)
        }
        if autoIDs { event.id = eventIDs.next() }
        let frame = try Frame(event, allocator: allocator)
        tally.countPublish(options == nil ? .topic : .stream)
        return publish(frame, to: topic)
    }

    /// Sends an encoded event to every subscriber of `topic` on this instance, and
    /// keeps it in the topic's history if it has an id. Returns how many
    /// subscribers there are.
    @discardableResult
    public func publish(_ frame: Frame, to topic: String) -> Int {
        loop.preconditionInEventLoop()
        if let id = frame.id { record(frame, id: id, in: topic) }
        guard let subscribers = topics[topic], !frame.isEmpty else { return 0 }
        for (shard, count) in subscribers.perShard.enumerated() where count > 0 {
            enqueue(.publish(topic: subscribers.slot, frame), on: shard)
        }
        tally.queued += subscribers.count
        return subscribers.count
    }

    /// Sends `event` to every open stream; returns how many there are on this
    /// instance. It is kept in no history: resuming is per topic.
    @discardableResult
    public func broadcast(_ event: ServerSentEvent) throws -> Int {
        loop.preconditionInEventLoop()
        let frame = try Frame(event, allocator: allocator)
        if let broker {
            let brokered = BrokeredEvent(topic: nil, payload: frame.payload, id: nil, autoID: false, history: 0)
            if let reason = broker.publish(brokered) { throw PublishUnavailable(description: reason) }
        } else {
            broadcast(frame)
        }
        tally.countPublish(.broadcast)
        return openCount
    }

    private func broadcast(_ frame: Frame) {
        guard !frame.isEmpty else { return }
        for shard in shards.indices { enqueue(.broadcast(frame), on: shard) }
        tally.queued += openCount
    }

    // MARK: From the broker

    /// An event the broker brings back, in the cluster's order: kept in its
    /// topic's history (with its id) and sent to this instance's subscribers; a
    /// broadcast (no topic) to every open stream here.
    public func deliver(_ payload: ByteBuffer, id: String?, to topic: String?) {
        loop.preconditionInEventLoop()
        let frame = Frame(encoded: payload, id: id)
        guard let topic else { return broadcast(frame) }
        publish(frame, to: topic)
    }

    /// Fills `topic`'s history with what the cluster kept (oldest first), before a
    /// resuming client's replay; events already held are replaced.
    public func loadHistory(_ entries: [(payload: ByteBuffer, id: String)], of topic: String) {
        loop.preconditionInEventLoop()
        histories.remove(topic)
        for entry in entries { record(Frame(encoded: entry.payload, id: entry.id), id: entry.id, in: topic) }
    }

    // MARK: Plain HTTP

    /// Sends the response to a plain HTTP request.
    public func respond(to exchange: Exchange, with response: Response) {
        loop.preconditionInEventLoop()
        enqueue(.respond(exchange.id, response), on: shardIndex(of: exchange.id))
    }

    // MARK: From the I/O loops

    /// What one shard saw since its last hand-over, in order.
    func receive(_ events: [HubEvent]) {
        for event in events {
            switch event {
            case .connected(let request, let id, let client): connected(request, id: id, client: client)
            case .received(let request, let exchange): received(request, exchange: exchange)
            case .disconnected(let id, let reason): disconnected(id, reason: reason)
            }
        }
    }

    func connected(_ request: Request, id: Int, client clientID: Int) {
        loop.preconditionInEventLoop()
        let client = Client(id: clientID, endpoint: id, request: request, shard: shardIndex(of: id))
        streams[id] = client
        logger.debug("client connected", metadata: client.logMetadata)
        application?.hub(self, didConnect: client)
        if client.state == .pending && !client.isHeldPending { open(client) }
    }

    func disconnected(_ id: Int, reason: DisconnectReason) {
        loop.preconditionInEventLoop()
        guard let client = streams[id] else { return }
        forget(client, as: Departure(reason))
        application?.hub(self, didDisconnect: client, reason: reason)
    }

    func received(_ request: Request, exchange: Exchange) {
        loop.preconditionInEventLoop()
        guard let application else {
            return respond(to: exchange, with: Response(status: .serviceUnavailable, text: "no application"))
        }
        application.hub(self, didReceive: request, exchange: exchange)
    }

    // MARK: Internals

    /// Drops a client from the hub's books, counting how it went; its connection is told separately.
    func forget(_ client: Client, as departure: Departure, status: UInt? = nil) {
        let wasOpen = client.state == .open
        if wasOpen {
            openCount -= 1
            tally.streamClosed(path: client.request.path)
        }
        tally.countDeparture(departure)
        if logger.logLevel <= .debug {
            var metadata = client.logMetadata
            metadata["reason"] = "\(departure)"
            if let status { metadata["status"] = "\(status)" }
            logger.debug(departure == .denied ? "client denied" : "client disconnected", metadata: metadata)
        }
        client.state = .closed
        streams[client.endpoint] = nil
        // A pending client's topics were not counted yet (see `open`).
        if wasOpen { for topic in client.topics { removeSubscriber(client, from: topic) } }
    }

    /// Counts an open client among `topic`'s subscribers (it has just added the
    /// topic); returns the topic's slot.
    private func addSubscriber(_ client: Client, to topic: String) -> Int {
        let shardCount = shards.count
        // One hash; a slot is taken only for a topic that was not there.
        let (first, slot) = topics[topic, default: Topic(slot: topicSlots.take(), shardCount: shardCount)]
            .add(onShard: client.shard)
        if first { broker?.subscribersAppeared(for: topic) }
        return slot
    }

    /// Stops counting an open client among `topic`'s subscribers (it has just
    /// dropped the topic, or gone); in place, one lookup. Returns the slot the
    /// topic had.
    @discardableResult
    private func removeSubscriber(_ client: Client, from topic: String) -> Int? {
        guard let index = topics.index(forKey: topic) else { return nil }
        topics.values[index].remove(fromShard: client.shard)
        let slot = topics.values[index].slot
        guard topics.values[index].isEmpty else { return slot }
        topics.remove(at: index)
        topicSlots.give(slot)
        broker?.subscribersLeft(topic)
        histories.touch(topic, now: loop.now)  // its time to live starts now
        return slot
    }

    func shardIndex(of id: Int) -> Int { id % shards.count }

    /// The instruction is consumed: it moves into the outbox, where a borrowed one
    /// would be copied (a retain of each buffer of its frame).
    func enqueue(_ op: consuming ShardOp, on shard: Int) {
        let bytes = op.byteCount
        outboxes[shard].append(consume op)
        if !flushScheduled {
            flushScheduled = true
            loop.execute { self.flush() }
        }
        noteQueued(bytes: bytes)
    }

    /// Hands every pending instruction to its I/O loop: at most one `execute` per
    /// loop, none while the loop is still taking earlier batches (`ShardInbox`).
    public func flush() {
        loop.preconditionInEventLoop()
        flushScheduled = false
        outboxBudget.handedOver()
        for index in outboxes.indices where !outboxes[index].isEmpty {
            let shard = shards[index]
            if shard.inbox.deliver(outboxes[index]) { shard.loop.execute { shard.drainInbox() } }
            outboxes[index].removeAll(keepingCapacity: true)
        }
    }
}
