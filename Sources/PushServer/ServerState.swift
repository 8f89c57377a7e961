import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// What every connection shares: settings, routes, the hub, the log, counters.
final class ServerState: Sendable {
    let configuration: PushServer.Configuration
    let hub: Hub
    let logger: Logger
    let routes = Mutex(RouteTable())
    private let streams = Atomic<Int>(0)
    private let connections = Atomic<Int>(0)
    /// Most connections open at once (set when the server starts).
    let connectionCapacity = Atomic<Int>(Int.max)
    /// Connections answered `503` for want of descriptors.
    let refusedConnections = Atomic<Int>(0)
    private let refusalLog = LogRateLimit(lines: 1)
    let slowClients = Atomic<Int>(0)
    /// Slow-client disconnects are logged, a few lines at a time.
    private let slowClientLog = LogRateLimit()

    init(configuration: PushServer.Configuration, hub: Hub, logger: Logger) {
        self.configuration = configuration
        self.hub = hub
        self.logger = logger
    }

    /// Where a request goes, decided from its head: to the hub (a stream, which
    /// then holds one of the `maxClients` slots, or a handler), or answered by the
    /// server itself (unknown path, wrong method, no slot left, a body announced
    /// too large, `OPTIONS`).
    func decide(_ head: HTTPRequestHead) -> ConnectionStateMachine.Decision {
        let target = RequestTarget(head.uri)
        guard head.method != .CONNECT, let path = target.path.map(String.init) else {
            return decideWithoutPath(head, target)
        }
        if head.method == .OPTIONS { return .answer(options(head, path: path), closeNow: false) }
        let kind: ConnectionStateMachine.Kind
        switch routes.withLock({ $0.match(head.method, path) }) {
        case .notFound:
            return refuse(Response(status: .notFound, text: "no stream or handler at \(path)"), head)
        case .methodNotAllowed(let allowed):
            var response = Response(
                status: .methodNotAllowed, text: "\(head.method.rawValue) is not allowed on \(path)")
            response.headers.append(("Allow", allowed.joined(separator: ", ")))
            return refuse(response, head)
        case .stream:
            kind = .stream
        case .handler:
            kind = .exchange
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > configuration.maxBody {
            let response = Response(
                status: .payloadTooLarge, text: "request body larger than \(configuration.maxBody) bytes")
            return refuse(response, head, closeNow: true)
        }
        if kind == .stream, !reserveStreamSlot() {
            var response = Response(status: .serviceUnavailable, text: "too many clients, retry later")
            response.headers.append(("Retry-After", "5"))
            return refuse(response, head)
        }
        return .forward(kind)
    }

    /// A request whose target has no path (RFC 9112 §3.2): `OPTIONS *` asks what
    /// the server as a whole allows; `CONNECT host:port` asks for a tunnel, which an
    /// origin server does not make (`501`, and the connection closes: NIO's decoder
    /// reads nothing more after a `CONNECT`); anything else is malformed.
    private func decideWithoutPath(
        _ head: HTTPRequestHead, _ target: RequestTarget
    ) -> ConnectionStateMachine.Decision {
        if head.method == .CONNECT {
            let response = Response(
                status: .notImplemented, text: "CONNECT is not supported: this server is not a proxy")
            return refuse(response, head, closeNow: true)
        }
        if target == .asterisk, head.method == .OPTIONS {
            let methods = routes.withLock { $0.allMethods }
            return .answer(
                Response(status: .noContent, headers: [("Allow", (methods + ["OPTIONS"]).joined(separator: ", "))]),
                closeNow: false)
        }
        return refuse(Response(status: .badRequest, text: "malformed request target"), head, closeNow: true)
    }

    /// The options of the stream at `path` (its heartbeat).
    func streamOptions(for path: String) -> StreamOptions? {
        routes.withLock { $0.streams[path] }
    }

    /// `OPTIONS` on a declared path: a CORS preflight when the request has an
    /// `Origin`, else the methods the path accepts.
    private func options(_ head: HTTPRequestHead, path: String) -> Response {
        let methods = routes.withLock { $0.allowed(path) }
        guard !methods.isEmpty else { return Response(status: .notFound, text: "no stream or handler at \(path)") }
        if let origin = head.headers.first(name: "origin") {
            let requestHeaders = head.headers.first(name: "access-control-request-headers")
            return configuration.cors.preflight(origin: origin, methods: methods, requestHeaders: requestHeaders)
        }
        return Response(status: .noContent, headers: [("Allow", (methods + ["OPTIONS"]).joined(separator: ", "))])
    }

    private func refuse(
        _ response: Response, _ head: HTTPRequestHead, closeNow: Bool = false
    ) -> ConnectionStateMachine.Decision {
        logger.debug(
            "refused a request",
            metadata: [
                "method": "\(head.method.rawValue)", "uri": "\(head.uri)", "status": "\(response.status.code)",
            ])
        return .answer(response, closeNow: closeNow)
    }

    // MARK: Stream slots

    /// Takes one of the `maxClients` stream slots; false when none is left.
    private func reserveStreamSlot() -> Bool {
        let taken = streams.add(1, ordering: .relaxed).newValue
        if taken <= configuration.maxClients ?? connectionCapacity.load(ordering: .relaxed) { return true }
        streams.subtract(1, ordering: .relaxed)
        return false
    }

    func releaseStreamSlot() {
        streams.subtract(1, ordering: .relaxed)
    }

    /// Streams open (slots taken) now.
    var streamSlotsTaken: Int { streams.load(ordering: .relaxed) }

    // MARK: Connections

    /// Counts a new connection until it closes; false when it is one too many for
    /// the descriptors (it is then refused, logged once a burst).
    func admitConnection(_ channel: Channel) -> Bool {
        let open = connections.add(1, ordering: .relaxed).newValue
        channel.closeFuture.whenComplete { [self] _ in connections.subtract(1, ordering: .relaxed) }
        let capacity = connectionCapacity.load(ordering: .relaxed)
        guard open > capacity else { return true }
        refusedConnections.add(1, ordering: .relaxed)
        if let leftOut = refusalLog.admit() {
            let message =
                "refusing connections with 503: \(capacity) are open, as many as the descriptor limit"
                + " (ulimit -n \(DescriptorLimit.soft)) leaves room for"
            logger.warning("\(LogRateLimit.line(message, leftOut: leftOut))")
        }
        return false
    }

    /// Counts and logs a stream dropped because its client read too slowly (or the
    /// script queued more for it than its budget): its id, path and the bytes that waited.
    func slowClientDisconnected(id: Int?, path: String, pending: Int, protocolName: String) {
        slowClients.add(1, ordering: .relaxed)
        guard let leftOut = slowClientLog.admit() else { return }
        let message =
            "disconnected slow \(protocolName) client \(id.map(String.init) ?? "?") on \(path): \(pending) bytes pending"
        let metadata: Logger.Metadata = [
            "client": "\(id.map(String.init) ?? "?")", "path": "\(path)", "reason": "slow", "pending": "\(pending)",
            "protocol": "\(protocolName == "HTTP/2" ? "h2" : "http/1.1")",
        ]
        logger.notice("\(LogRateLimit.line(message, leftOut: leftOut))", metadata: metadata)
    }
}
