public import NIOCore
public import NIOHTTP1

/// The paths the server answers, as the application declared them. Swapped as a
/// whole (on a reload) and read by every I/O loop.
public struct RouteTable: Sendable {
    /// SSE endpoints by path.
    public var streams: [String: StreamOptions]
    /// Plain HTTP endpoints by path, with the methods each accepts (`"GET"`, `"POST"`, ...).
    public var handlers: [String: Set<String>]

    public init(streams: [String: StreamOptions] = [:], handlers: [String: Set<String>] = [:]) {
        self.streams = streams
        self.handlers = handlers
    }

    /// Where a request goes.
    public enum Match: Equatable, Sendable {
        case stream(StreamOptions)
        case handler
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    /// The methods a stream accepts: `GET` for `EventSource`, `POST` for clients that
    /// send a body and read a stream back (`fetch`, LLM-style APIs).
    /// A handler declared for the same path and method takes precedence, so a path
    /// can be a stream for `GET` and take publishes by `POST`.
    public static let streamMethods: Set<String> = ["GET", "POST"]

    public func match(_ method: HTTPMethod, _ path: String) -> Match {
        if handlers[path]?.contains(method.rawValue) == true { return .handler }
        if let options = streams[path], Self.streamMethods.contains(method.rawValue) { return .stream(options) }
        if streams[path] != nil || handlers[path] != nil { return .methodNotAllowed(allowed: allowed(path)) }
        return .notFound
    }

    /// Every method some path accepts, sorted (what `OPTIONS *` answers).
    public var allMethods: [String] {
        var methods = handlers.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        if !streams.isEmpty { methods.formUnion(Self.streamMethods) }
        return methods.sorted()
    }

    /// Every method `path` accepts, sorted.
    public func allowed(_ path: String) -> [String] {
        var methods = handlers[path] ?? []
        if streams[path] != nil { methods.formUnion(Self.streamMethods) }
        return methods.sorted()
    }
}

/// How one stream behaves.
public struct StreamOptions: Equatable, Sendable {
    /// Heartbeat comment interval on an idle stream; nil for the server's default.
    public var heartbeat: TimeAmount?
    /// Events with an id kept in the history of the topic named by the stream's
    /// path, for `Last-Event-ID`; nil for the server's default, 0 for none.
    public var history: Int?
    /// Whether the server gives events published to the topic without an id one
    /// of its own (`<unix-ms>-<seq>`).
    public var autoIDs: Bool
    /// How long the topic's history is kept unused while nobody subscribes; nil for
    /// the server's default.
    public var historyTTL: TimeAmount?
    /// The largest random delay each event to one of its clients gets (order kept);
    /// nil for none. For testing clients against a network that is not smooth.
    public var jitter: TimeAmount?
    /// How long a stream lasts before the server ends it (cleanly: an `EventSource`
    /// reconnects with `Last-Event-ID`); nil for as long as the client stays.
    public var timeout: TimeAmount?

    public init(
        heartbeat: TimeAmount? = nil, history: Int? = nil, autoIDs: Bool = false, historyTTL: TimeAmount? = nil,
        jitter: TimeAmount? = nil, timeout: TimeAmount? = nil
    ) {
        self.heartbeat = heartbeat
        self.history = history
        self.autoIDs = autoIDs
        self.historyTTL = historyTTL
        self.jitter = jitter
        self.timeout = timeout
    }
}
