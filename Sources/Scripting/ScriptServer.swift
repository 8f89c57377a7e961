public import Cluster
public import Logging
public import NIOCore
import NIOPosix
public import PushServer
import Synchronization
public import TLSIdentity

/// The whole server for one script: the I/O loops and the script loop, the
/// `PushServer`, the `ScriptHost`, and the order in which they start, reload and
/// stop. `ssescript serve`, `ssescript check` and the tests all use it.
public final class ScriptServer: Sendable {
    /// Everything `ssescript serve` can set, with its defaults.
    public struct Configuration: Sendable {
        public var server = PushServer.Configuration()
        public var script = ScriptOptions()
        /// Threads for connections (the script has one of its own). Default: one per
        /// core. 0: one thread for the script and every connection, with no hand-over
        /// between threads (as one nginx worker).
        public var ioThreads = System.coreCount
        /// Reload when the script or a module it `require`d changes. Default on.
        public var watch = true
        /// Serve over TLS (with HTTP/2 by ALPN) with this certificate. Default: in clear.
        public var tls: TLSSource?
        /// Run as one instance of a cluster sharing this Redis (`--redis`). Default: alone.
        public var cluster: ClusterNode.Configuration?

        public init() {}
    }

    public let scriptPath: String
    public let configuration: Configuration
    public let server: PushServer
    public let host: ScriptHost
    /// This instance's part in a cluster (Redis links, broker, timer lease), with `--redis`.
    public let cluster: ClusterNode?
    /// The TLS certificate new connections get, when serving over TLS.
    public let certificates: CertificateStore?
    private let logger: Logger
    private let io: MultiThreadedEventLoopGroup
    private let scripts: MultiThreadedEventLoopGroup
    private let certificatePoll = Mutex<RepeatedTask?>(nil)
    private let metricsSweep = Mutex<RepeatedTask?>(nil)
    private let phaseValue = Atomic<Int>(Phase.starting.rawValue)

    /// Where the server is in its life, as `/healthz` tells it.
    public enum Phase: Int, Sendable {
        /// Loading the script, not yet listening.
        case starting
        /// Listening and serving.
        case serving
        /// A graceful stop has begun (or is over).
        case stopping
    }

    /// Where the server is in its life.
    public var phase: Phase { Phase(rawValue: phaseValue.load(ordering: .relaxed)) ?? .stopping }

    /// Whether it is healthy: serving, and, in a cluster, with Redis reachable.
    /// Reads no loop, so a busy script does not delay the answer.
    public var health: Health {
        switch phase {
        case .starting: return .unavailable("starting")
        case .stopping: return .unavailable("stopping")
        case .serving:
            if server.hub.metrics.isClusterReachable == false { return .unavailable("redis unreachable") }
            return .serving
        }
    }

    /// What `/healthz` answers.
    public enum Health: Equatable, Sendable {
        case serving
        /// Not serving now, and why (`stopping`, `redis unreachable`).
        case unavailable(String)
    }

    /// The script loop: every call into Lua happens there.
    public var loop: EventLoop { host.loop }

    /// Throws when the TLS certificate does not load (a one-line reason).
    public init(scriptPath: String, configuration: Configuration = Configuration(), logger: Logger)
        throws(TLSIdentityError)
    {
        self.scriptPath = scriptPath
        self.configuration = configuration
        self.logger = logger
        let certificates = try configuration.tls?.makeStore()
        self.certificates = certificates
        var serverConfiguration = configuration.server
        if let certificates { serverConfiguration.tls = { certificates.current } }
        io = MultiThreadedEventLoopGroup(numberOfThreads: max(configuration.ioThreads, 1))
        scripts = configuration.ioThreads == 0 ? io : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        server = PushServer(
            configuration: serverConfiguration, group: io, controlLoop: scripts.next(), logger: logger)
        let hub = server.hub
        let cluster = configuration.cluster.map { ClusterNode(configuration: $0, hub: hub, logger: logger) }
        self.cluster = cluster
        host = ScriptHost(
            scriptPath: scriptPath, options: configuration.script, server: server, cluster: cluster, logger: logger)
    }

    /// Connects to the cluster's Redis (if any), then loads the script and runs its
    /// top level; throws its error (`clock.lua:12: ...`).
    public func load() async throws {
        await cluster?.start()
        let host = self.host
        try await loop.submit { try host.start() }.get()
    }

    /// Starts listening, then watching the script (if configured) and the
    /// certificate files; returns the port.
    public func listen() async throws -> Int {
        let port = try await server.start()
        if server.configuration.metrics.isRecording {
            let host = self.host
            let task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .seconds(1)) { _ in host.reportMetrics() }
            metricsSweep.withLock { $0 = task }
        }
        _ = phaseValue.compareExchange(
            expected: Phase.starting.rawValue, desired: Phase.serving.rawValue, ordering: .relaxed)
        if configuration.watch {
            let host = self.host
            loop.execute { host.startWatching() }
        }
        if let certificates, certificates.files != nil {
            let task = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
                reloadCertificates(certificates.reloadIfChanged())
            }
            certificatePoll.withLock { $0 = task }
        }
        return port
    }

    /// The SHA-256 fingerprint of the certificate new connections get, over TLS.
    public var fingerprint: String? { certificates?.fingerprint }

    /// The URL of `path` as clients reach it.
    public func url(_ path: String, port: Int) -> String {
        let host = configuration.server.host
        return "\(certificates == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
    }

    /// Re-reads the certificate files (as `SIGHUP` does); a renewed certificate
    /// is used from the next connection on, and a bad file keeps the old one.
    public func reloadCertificates() {
        guard let certificates, certificates.files != nil else { return }
        do {
            let identity = try certificates.reload()
            logger.info("TLS certificate reloaded: SHA-256 \(identity.fingerprint)")
        } catch {
            logger.error("TLS certificate not reloaded, the previous one goes on: \(error)")
        }
    }

    private func reloadCertificates(_ outcome: ReloadOutcome) {
        switch outcome {
        case .unchanged: break
        case .reloaded(let fingerprint): logger.info("TLS certificate reloaded: SHA-256 \(fingerprint)")
        case .failed(let error): logger.error("TLS certificate not reloaded, the previous one goes on: \(error)")
        }
    }

    /// The stream paths the script declared, sorted.
    public var streamPaths: [String] {
        get async throws {
            let host = self.host
            return try await loop.submit { host.streamPaths }.get()
        }
    }

    /// Reloads the script (as `SIGHUP` does); returns whether the new version swapped in.
    @discardableResult
    public func reload(because reason: String) async throws -> Bool {
        let host = self.host
        return try await loop.submit { host.reload(because: reason) }.get()
    }

    /// Runs `body` on the script loop.
    public func onScriptLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await loop.submit(body).get()
    }

    /// Stops gracefully: no new connections, the script's `on_stop` (its last events
    /// go out), then every stream ends cleanly and every connection closes (the
    /// script's `on_close` functions hear `"shutdown"`), then the script stops and
    /// the loops shut down.
    public func stop() async {
        phaseValue.store(Phase.stopping.rawValue, ordering: .relaxed)
        certificatePoll.withLock { $0?.cancel() }
        metricsSweep.withLock { $0?.cancel() }
        await server.stopAccepting()
        let host = self.host
        try? await loop.submit { host.runStopHook() }.get()
        await cluster?.releaseLease()  // from now on another instance runs the timers
        await cluster?.drain()  // on_stop's events come back from Redis before the streams end
        await server.stop()
        try? await loop.submit { host.stop(runningHooks: false) }.get()
        await shutdownLoops()
    }

    /// Brings every series up to date (the I/O loops, the hub, the script's
    /// gauges) before a scrape; does nothing once a stop has begun, so a scrape
    /// then shows the last values without asking loops that are going away.
    public func reportMetrics() async {
        guard phase == .serving else { return }
        await server.reportMetrics()
        let host = self.host
        try? await loop.submit { host.reportMetrics() }.get()
    }

    /// Shuts the loops down without a graceful stop (nothing was served).
    public func shutdownLoops() async {
        phaseValue.store(Phase.stopping.rawValue, ordering: .relaxed)
        await cluster?.stop()
        try? await io.shutdownGracefully()
        if scripts !== io { try? await scripts.shutdownGracefully() }
    }

    /// Checks a script without serving it: loads it and runs its top level.
    public static func check(scriptPath: String, options: ScriptOptions = ScriptOptions()) async throws {
        var configuration = Configuration()
        configuration.script = options
        configuration.ioThreads = 1
        configuration.watch = false
        let server = try ScriptServer(
            scriptPath: scriptPath, configuration: configuration, logger: Logger(label: "check"))
        do {
            try await server.load()
        } catch {
            await server.shutdownLoops()
            throw error
        }
        let host = server.host
        try? await server.loop.submit { host.stop(runningHooks: false) }.get()
        await server.shutdownLoops()
    }
}
