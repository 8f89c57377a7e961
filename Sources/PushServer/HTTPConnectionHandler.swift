import NIOCore
import NIOHTTP1

/// One client connection: reads HTTP/1.1 requests, answers what the server answers
/// itself (404, 405, 413, ...), hands stream and handler requests to the hub, and
/// once it is a stream writes the hub's frames as they are, past any HTTP encoder.
final class HTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// Waiting for a request head (a new or kept-alive connection).
        case idle
        /// Reading the body of a request for a stream or a handler.
        case receiving(HTTPRequestHead, stream: Bool, body: ByteBuffer)
        /// The server answers itself (a refusal, a preflight); the request's body
        /// is read and dropped, then this is sent.
        case answering(Response)
        /// Handed to the hub; waiting for a response, or for the stream to open.
        case waiting(stream: Bool)
        /// The response head is out; events follow.
        case streaming
        /// Closing; nothing more is read or written.
        case closing
    }

    let id: Int
    private let shard: Shard
    private let server: ServerState
    private var context: ChannelHandlerContext?
    private var state = State.idle
    /// Request parts that arrived while a response was pending (pipelining).
    private var queued: [HTTPServerRequestPart] = []
    private var version = HTTPVersion.http1_1
    private var origin: String?
    /// Whether the current request lets the connection live on after its response.
    private var requestKeepAlive = true
    private var holdsStreamSlot = false
    /// The hub was given this connection as a stream client: it must hear when the
    /// connection goes, however it goes (peer close, write error, timeout).
    private var isKnownToHub = false

    // Kept for the shard.
    var subscriptions: [String: Int] = [:]
    var broadcastPosition: Int?
    var isDirty = false
    var lastWriteTick: UInt32 = 0
    var lastActivityTick: UInt32 = 0
    var heartbeatTicks: UInt32
    private var unwritableSince: UInt32?
    /// Found too slow: the shard closes it once its current batch is done.
    private var isSlow = false

    init(id: Int, shard: Shard, server: ServerState) {
        self.id = id
        self.shard = shard
        self.server = server
        self.heartbeatTicks = shard.heartbeatTicks
    }

    var isStreaming: Bool { if case .streaming = state { true } else { false } }

    /// Whether the connection is still reading its request (slow-loris applies).
    var isAwaitingRequest: Bool {
        switch state {
        case .idle, .receiving, .answering: true
        default: false
        }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        lastActivityTick = shard.tick
        shard.add(self)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closing
        shard.remove(self)
        releaseStreamSlot()
        if isKnownToHub {
            isKnownToHub = false
            let hub = server.hub
            let id = self.id
            hub.loop.execute { hub.disconnected(connection: id) }
        }
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .waiting(stream: false):
            guard queued.count < 64 else { return refuse(.tooManyRequests, "too many pipelined requests", close: true) }
            queued.append(part)
        case .streaming, .waiting(stream: true), .closing:
            return  // a stream reads nothing more
        default:
            read(part)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch (error, state) {
        case (HTTPParserError.headerOverflow, .idle), (HTTPParserError.headerOverflow, .receiving):
            refuse(
                .requestHeaderFieldsTooLarge, "request head larger than \(server.configuration.maxHead) bytes",
                close: true)
        case (is HTTPParserError, .idle), (is HTTPParserError, .receiving), (is HTTPParserError, .answering):
            refuse(.badRequest, "malformed HTTP request", close: true)
        default:
            close()
        }
    }

    /// Completes when the connection is closed.
    var closeFuture: EventLoopFuture<Void>? { context?.channel.closeFuture }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        unwritableSince = context.channel.isWritable ? nil : shard.tick
        context.fireChannelWritabilityChanged()
    }

    // MARK: Requests

    private func read(_ part: HTTPServerRequestPart) {
        switch (part, state) {
        case (.head(let head), .idle):
            begin(head)
        case (.body(let chunk), .receiving(let head, let stream, var body)):
            guard body.readableBytes + chunk.readableBytes <= server.configuration.maxBody else {
                return refuse(
                    .payloadTooLarge, "request body larger than \(server.configuration.maxBody) bytes", close: true)
            }
            state = .idle  // drop the reference so `body` is not copied on write
            var chunk = chunk
            body.writeBuffer(&chunk)
            state = .receiving(head, stream: stream, body: body)
        case (.body, .answering):
            break
        case (.end, .receiving(let head, let stream, let body)):
            dispatch(head, stream: stream, body: body)
        case (.end, .answering(let response)):
            state = .waiting(stream: false)
            send(response, keepAlive: requestKeepAlive)
        default:
            refuse(.badRequest, "malformed HTTP request", close: true)
        }
    }

    private func begin(_ head: HTTPRequestHead) {
        lastActivityTick = shard.tick
        version = head.version
        origin = head.headers.first(name: "origin")
        requestKeepAlive = head.isKeepAlive
        let path = String(Request.split(head.uri).path)
        if head.method == .OPTIONS { return answerOptions(head, path: path) }
        let match = server.routes.withLock { $0.match(head.method, path) }
        switch match {
        case .notFound:
            state = .answering(Response(status: .notFound, text: "no stream or handler at \(path)"))
        case .methodNotAllowed(let allowed):
            var response = Response(
                status: .methodNotAllowed, text: "\(head.method.rawValue) is not allowed on \(path)")
            response.headers.append(("Allow", allowed.joined(separator: ", ")))
            state = .answering(response)
        case .stream(let options):
            guard reserveStreamSlot() else {
                var response = Response(status: .serviceUnavailable, text: "too many clients, retry later")
                response.headers.append(("Retry-After", "5"))
                state = .answering(response)
                return
            }
            heartbeatTicks = shard.heartbeatTicks(for: options.heartbeat)
            accept(head, stream: true)
        case .handler:
            accept(head, stream: false)
        }
    }

    /// `OPTIONS` on a declared path: a CORS preflight when the request has an
    /// `Origin`, else the methods the path accepts.
    private func answerOptions(_ head: HTTPRequestHead, path: String) {
        let methods = server.routes.withLock { $0.allowed(path) }
        guard !methods.isEmpty else {
            state = .answering(Response(status: .notFound, text: "no stream or handler at \(path)"))
            return
        }
        if let origin {
            let requestHeaders = head.headers.first(name: "access-control-request-headers")
            let policy = server.configuration.cors
            state = .answering(policy.preflight(origin: origin, methods: methods, requestHeaders: requestHeaders))
        } else {
            state = .answering(
                Response(status: .noContent, headers: [("Allow", (methods + ["OPTIONS"]).joined(separator: ", "))]))
        }
    }

    private func accept(_ head: HTTPRequestHead, stream: Bool) {
        if let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > server.configuration.maxBody
        {
            return refuse(
                .payloadTooLarge, "request body larger than \(server.configuration.maxBody) bytes", close: true)
        }
        if head.headers.first(name: "expect")?.lowercased() == "100-continue", let context {
            context.writeAndFlush(
                wrapOutboundOut(ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
        }
        state = .receiving(head, stream: stream, body: ByteBuffer())
    }

    private func dispatch(_ head: HTTPRequestHead, stream: Bool, body: ByteBuffer) {
        state = .waiting(stream: stream)
        let remote = context?.channel.remoteAddress?.ipAddress ?? ""
        let request = Request(head: head, body: body, remoteAddress: remote)
        let hub = server.hub
        let id = self.id
        if stream {
            isKnownToHub = true
            hub.loop.execute { hub.connected(request, connection: id) }
        } else {
            let exchange = Exchange(connection: id, keepAlive: requestKeepAlive, version: version, origin: origin)
            hub.loop.execute { hub.received(request, exchange: exchange) }
        }
    }

    /// Answers with a one-line error (after the body, unless closing now).
    private func refuse(_ status: HTTPResponseStatus, _ message: String, close: Bool) {
        let response = Response(status: status, text: message)
        if close {
            state = .waiting(stream: false)
            send(response, keepAlive: false)
        } else {
            state = .answering(response)
        }
    }

    private func send(_ response: Response, keepAlive: Bool) {
        var response = response
        if let origin { response.addCORSHeaders(server.configuration.cors, origin: origin) }
        respond(
            response.encoded(version: version, keepAlive: keepAlive, allocator: ByteBufferAllocator()),
            keepAlive: keepAlive)
    }

    // MARK: From the shard

    /// Writes a complete response; then reads the next request or closes.
    func respond(_ bytes: ByteBuffer, keepAlive: Bool) {
        guard case .waiting(let stream) = state, let context else { return }
        if stream { releaseStreamSlot() }
        guard keepAlive else { return closeAfterWriting(bytes) }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        state = .idle
        lastActivityTick = shard.tick
        let pending = queued
        queued = []
        for part in pending {
            if case .waiting = state { queued.append(part) } else { read(part) }
        }
    }

    /// Sends the stream's head and first comment. False unless a stream was waiting for it.
    func openStream() -> Bool {
        guard case .waiting(stream: true) = state, let context else { return false }
        state = .streaming
        context.write(
            wrapOutboundOut(
                StreamHead.bytes(
                    version: version, cors: origin.map { server.configuration.cors.headers(origin: $0) } ?? [])),
            promise: nil)
        _ = write(StreamHead.greeting)
        return true
    }

    /// Writes one frame (not flushed). False if this is not an open stream.
    func write(_ frame: Frame) -> Bool {
        guard case .streaming = state, let context else { return false }
        context.write(wrapOutboundOut(version.minor == 0 ? frame.payload : frame.chunked), promise: nil)
        lastWriteTick = shard.tick
        return true
    }

    /// Flushes the batch's writes. A stream still over its budget (unwritable)
    /// once the kernel has taken what it could, with more than twice its budget
    /// left waiting, is too slow: it is closed once the shard's batch is done.
    /// While a stream keeps up, the check is one atomic load.
    func flush() {
        guard let context else { return }
        context.flush()
        guard !context.channel.isWritable else { return }
        if unwritableSince == nil { unwritableSince = shard.tick }
        let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        if buffered > 2 * server.configuration.clientBuffer { markSlow() }
    }

    /// Ends the stream: the last chunk, then close once it is written.
    func endStream() {
        guard case .streaming = state else { return close() }
        closeAfterWriting(version.minor == 0 ? ByteBuffer() : ByteBuffer(staticString: "0\r\n\r\n"))
    }

    /// A client over its write budget for too long is disconnected: it would
    /// otherwise make the server buffer without bound.
    func checkBudget(tick: UInt32) {
        guard let since = unwritableSince, tick &- since >= server.slowClientTicks(shard) else { return }
        markSlow()
    }

    /// Nothing more is written to it; the shard closes it after its batch.
    private func markSlow() {
        guard !isSlow else { return }
        isSlow = true
        state = .closing
        shard.disconnectSlow(self)
    }

    /// Closes a stream found too slow, dropping what it has not taken; it can
    /// come back with `Last-Event-ID`.
    func disconnectSlow() {
        server.countSlowClient()
        close()
    }

    /// The request took too long to arrive (slow-loris) or the keep-alive ran out.
    func timeOut() {
        if case .idle = state { return close() }
        refuse(.requestTimeout, "request not completed in time", close: true)
    }

    /// Writes `bytes` after what is pending, then closes; a client that does not
    /// take them within `closeTimeout` is closed anyway.
    private func closeAfterWriting(_ bytes: ByteBuffer) {
        guard let context else { return }
        state = .closing
        let channel = context.channel
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(bytes), promise: promise)
        let giveUp = context.eventLoop.scheduleTask(in: server.configuration.closeTimeout) {
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in
            giveUp.cancel()
            channel.close(promise: nil)
        }
    }

    private func close() {
        state = .closing
        context?.close(promise: nil)
    }

    // MARK: Stream slots

    private func reserveStreamSlot() -> Bool {
        holdsStreamSlot = server.reserveStreamSlot()
        return holdsStreamSlot
    }

    private func releaseStreamSlot() {
        if holdsStreamSlot { server.releaseStreamSlot() }
        holdsStreamSlot = false
    }
}

@available(*, unavailable)
extension HTTPConnectionHandler: Sendable {}

/// The bytes that start every stream.
enum StreamHead {
    /// The response head: chunked for HTTP/1.1, close-delimited for HTTP/1.0.
    static func bytes(version: HTTPVersion, cors: [(String, String)]) -> ByteBuffer {
        var head = "HTTP/1.\(version.minor == 0 ? 0 : 1) 200 OK\r\n"
        head += "Content-Type: text/event-stream; charset=utf-8\r\n"
        head += "Cache-Control: no-cache\r\n"
        head += "X-Accel-Buffering: no\r\n"
        head += version.minor == 0 ? "Connection: close\r\n" : "Transfer-Encoding: chunked\r\n"
        for (name, value) in cors { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return ByteBuffer(string: head)
    }

    /// The first bytes of the body, flushed with the head so proxies pass the stream on.
    static let greeting = Frame(raw: ": ok\n")
}
