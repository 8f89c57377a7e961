import EventStream
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What one client of the soak saw, over all its connections.
struct FeedRecord: Sendable {
    /// The id of the last event it got (ids are 1, 2, 3, ...).
    var lastID: Int?
    var events = 0
    /// Events whose id was not the one after the last: repeated or out of order.
    var repeats = 0
    /// Events missed between two it got.
    var missed = 0
    /// `ssescript-gap` events: its id was no longer in the history.
    var gapEvents = 0
    var connections = 0
    /// Connections the server ended (a slow client dropped, a failure), not the client.
    var endedByServer = 0
    /// Answers other than 200.
    var refusals = 0

    mutating func received(id: Int) {
        events += 1
        if let lastID {
            if id <= lastID { repeats += 1 }
            if id > lastID + 1 { missed += id - lastID - 1 }
        }
        lastID = max(id, lastID ?? id)
    }
}

/// One client of `/feed`: it reads the stream, goes away now and then and comes
/// back with `Last-Event-ID`, as `EventSource` does. The slow one asks for 64 KB of
/// padding with every event and reads 1 KiB every 250 ms: the server drops it, and
/// it comes back too.
final class FeedClient: @unchecked Sendable {  // its state is on `loop` only; `record` is locked
    let record = Mutex(FeedRecord())
    let loop: EventLoop
    private let port: Int
    private let slow: Bool
    private var churning: Bool
    private var stopping = false
    private var channel: Channel?
    private var leaving: Scheduled<Void>?

    init(loop: EventLoop, port: Int, slow: Bool, churning: Bool) {
        self.loop = loop
        self.port = port
        self.slow = slow
        self.churning = churning
    }

    /// Connects (asking to resume after its last event, if it had one).
    func connect() {
        loop.assertInEventLoop()
        guard !stopping else { return }
        let lastID = record.withLock { record in
            record.connections += 1
            return record.lastID
        }
        let slow = self.slow
        var bootstrap = ClientBootstrap(group: loop)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(FeedReader(client: self, slow: slow))
                }
            }
        if slow {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: 4096)
                .channelOption(.maxMessagesPerRead, value: 1).channelOption(.autoRead, value: false)
        }
        bootstrap.connect(host: "127.0.0.1", port: port).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let channel):
                self.channel = channel
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: slow ? "/feed?padding=1" : "/feed")
                head.headers.add(name: "Host", value: "127.0.0.1")
                if let lastID { head.headers.add(name: "Last-Event-ID", value: String(lastID)) }
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                if churning { leaveLater() }
            case .failure:
                comeBackLater()
            }
        }
    }

    /// The connection ended; `byServer` if the client did not end it itself.
    func ended(byServer: Bool) {
        loop.assertInEventLoop()
        channel = nil
        leaving?.cancel()
        leaving = nil
        if byServer { record.withLock { $0.endedByServer += 1 } }
        comeBackLater()
    }

    /// Stops going away; stays connected from now on.
    func settle() {
        loop.assertInEventLoop()
        churning = false
        leaving?.cancel()
        leaving = nil
    }

    /// Closes for good.
    func stop() -> EventLoopFuture<Void> {
        loop.assertInEventLoop()
        stopping = true
        leaving?.cancel()
        return channel?.close() ?? loop.makeSucceededVoidFuture()
    }

    func refused() { record.withLock { $0.refusals += 1 } }

    private func leaveLater() {
        let after = TimeAmount.milliseconds(Int64.random(in: 2000...12000))
        leaving = loop.assumeIsolated().scheduleTask(in: after) { [self] in
            leaving = nil
            channel?.close(promise: nil)
        }
    }

    private func comeBackLater() {
        guard !stopping else { return }
        let after = TimeAmount.milliseconds(Int64.random(in: 0...500))
        loop.assumeIsolated().scheduleTask(in: after) { [self] in connect() }
    }
}

/// Reads one connection's stream and tells its client what came (and whether the
/// client or the server ended it: a close the client asks for passes here).
final class FeedReader: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart

    private let client: FeedClient
    private let slow: Bool
    private var parser = EventStreamParser()
    private var endedByClient = false
    private var reading: RepeatedTask?

    init(client: FeedClient, slow: Bool) {
        self.client = client
        self.slow = slow
    }

    func channelActive(context: ChannelHandlerContext) {
        if slow {
            try? context.channel.syncOptions?.setOption(
                .recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 1024))
            let reader = NIOLoopBound(self, eventLoop: context.eventLoop)
            let channel = context.channel
            reading = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(250)) { _ in
                reader.value.readSlowly(channel)
            }
        }
        context.fireChannelActive()
    }

    /// 1 KiB every 250 ms.
    private func readSlowly(_ channel: Channel) {
        channel.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status != .ok {
                client.refused()
                context.close(promise: nil)
            }
        case .body(let buffer):
            for item in parser.parse(buffer) {
                guard case .event(let event) = item else { continue }
                if event.type == "ssescript-gap" {
                    client.record.withLock { $0.gapEvents += 1 }
                } else if event.data.hasPrefix("x"), let id = Int(event.lastEventID) {  // not the padding
                    client.record.withLock { $0.received(id: id) }
                }
            }
        case .end:
            context.close(promise: nil)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        endedByClient = true
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reading?.cancel()
        client.ended(byServer: !endedByClient)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension FeedReader: Sendable {}
