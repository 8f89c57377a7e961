public import CoreMetrics
public import NIOCore
public import NIOSSL

extension PushServer {
    /// Settings of the server, with the defaults `ssescript serve` uses.
    public struct Configuration: Sendable {
        /// Address to listen on. Default `127.0.0.1`: a prototyping tool is not exposed by accident.
        public var host: String = "127.0.0.1"
        /// Port to listen on; 0 picks a free one.
        public var port: Int = 8080
        /// Comment sent on a stream idle this long. Default 15 s.
        public var heartbeat: TimeAmount = .seconds(15)
        /// Bytes that may wait in the server for one client (its write budget,
        /// `--client-buffer`). Default 1 MiB. A stream over it for longer than
        /// `slowClientTimeout`, or over twice it at all, is disconnected.
        public var clientBuffer: Int = 1 << 20
        /// How long a stream may stay over its write budget. Default 1 s.
        public var slowClientTimeout: TimeAmount = .seconds(1)
        /// How long a closing connection may take to take its last bytes (the end
        /// of its stream) before it is closed anyway. Default 2 s.
        public var closeTimeout: TimeAmount = .seconds(2)
        /// Events with an id kept per topic for clients that resume with
        /// `Last-Event-ID`, unless the stream says otherwise. Default 100.
        public var history: Int = 100
        /// How long a topic's history is kept once nobody subscribes and nothing is
        /// published to it, unless its stream says otherwise (`history_ttl`). Default 10 minutes.
        public var historyTTL: TimeAmount = .minutes(10)
        /// Most topic histories kept at once (`--max-topics`); past it, the least
        /// recently used is dropped, with a warning. Default 100,000.
        public var maxTopics = 100_000
        /// Which pages from other origins may read streams and responses. Default:
        /// pages from this machine (`CORSPolicy.loopback`).
        public var cors: CORSPolicy = .loopback
        /// Largest request body accepted (`413` past it). Default 1 MiB.
        public var maxBody: Int = 1 << 20
        /// Largest request head accepted (`431` past it). Default 16 KiB.
        public var maxHead: Int = 16 << 10
        /// Most streams open at once (`503` past it). Default (nil): as many as the
        /// process's descriptors leave room for when the server starts
        /// (`DescriptorLimit.connectionCapacity`).
        public var maxClients: Int?
        /// Most connections open at once; past it a connection is answered `503` and
        /// closed (over TLS, just closed). Default (nil): what the descriptors leave
        /// room for when the server starts, so `accept` never runs out of them.
        public var maxConnections: Int?
        /// A connection that has not completed a request in this time is closed
        /// (slow-loris); also the keep-alive idle limit. Default 30 s.
        public var requestTimeout: TimeAmount = .seconds(30)
        /// Listen backlog. Default 4096, the most this machine's kernel allows.
        public var backlog: Int32 = 4096
        /// The TLS context for each new connection (asked once per connection, so a
        /// renewed certificate is used from the next one on); nil to serve in clear.
        /// Over TLS, ALPN offers `h2` and `http/1.1`.
        public var tls: (@Sendable () -> NIOSSLContext)?
        /// HTTP/2 streams a client may open at once on one connection
        /// (`SETTINGS_MAX_CONCURRENT_STREAMS`). Default 256: a page with many feeds.
        public var maxConcurrentStreams = 256
        /// Where the server's series go (`--metrics`: the Prometheus exporter).
        /// Default: nowhere, swift-metrics' no-op factory, and nothing is reported.
        public var metrics: any MetricsFactory = NOOPMetricsHandler.instance

        public init() {}
    }
}
