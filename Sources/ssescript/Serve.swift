import ArgumentParser
import Cluster
import Logging
import LuaRuntime
import NIOCore
import Observability
import PushServer
import RedisClient
import Scripting

#if canImport(Glibc)
    import Glibc
#endif

/// `ssescript serve SCRIPT`: runs the script and serves its streams.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a script and serve its streams.")

    @OptionGroup var script: ScriptOptionGroup

    @OptionGroup var cluster: ClusterOptionGroup

    @OptionGroup var observability: ObservabilityOptions

    private static let defaults = PushServer.Configuration()

    @Option(help: "Address to listen on.")
    var host = defaults.host

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = defaults.port

    @Option(help: "Seconds of silence after which a stream gets a heartbeat comment.")
    var heartbeat = Double(defaults.heartbeat.nanoseconds) / 1e9

    @Flag(help: "Do not reload the script when it or a module it requires changes (SIGHUP still reloads).")
    var noWatch = false

    @Option(
        help: ArgumentHelp(
            "Bytes that may wait for one slow client; over it for 1 s, or over twice it, the client is disconnected.",
            valueName: "bytes"))
    var clientBuffer = defaults.clientBuffer

    @Option(help: ArgumentHelp("Largest request body accepted (413 past it).", valueName: "bytes"))
    var maxBody = defaults.maxBody

    @Option(help: ArgumentHelp("Largest request head accepted (431 past it).", valueName: "bytes"))
    var maxHead = defaults.maxHead

    @Option(
        help: ArgumentHelp(
            "Most streams open at once (503 with Retry-After past it). Default: as many as the descriptor limit (ulimit -n, raised to its hard limit at start) leaves room for.",
            valueName: "count"))
    var maxClients: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds a topic's history is kept once nobody subscribes and nothing is published to it (a stream's history_ttl overrides it).",
            valueName: "seconds"))
    var historyTTL = Double(defaults.historyTTL.nanoseconds) / 1e9

    @Option(
        help: ArgumentHelp(
            "Most topic histories kept at once; past it the least recently used is dropped, with a warning.",
            valueName: "count"))
    var maxTopics = defaults.maxTopics

    @Option(
        name: .customLong("cors"),
        help: ArgumentHelp(
            "An origin whose pages may read the streams (repeatable), or '*' for any. Default: localhost, 127.0.0.1 and [::1] on any port.",
            valueName: "origin"))
    var corsOrigins: [String] = []

    @Option(help: "Threads for connections (the script has one of its own). Default: one per core.")
    var ioThreads: Int?

    @Option(
        help: ArgumentHelp(
            "Serve over TLS (and HTTP/2) with this PEM certificate chain; re-read when it changes and on SIGHUP.",
            valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Flag(help: "Serve over TLS with a certificate for localhost made at start (development); prints its fingerprint.")
    var tlsSelfSigned = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535.") }
        if let ioThreads, !(0...256).contains(ioThreads) {
            throw ValidationError("--io-threads must be from 0 (one thread for everything) to 256.")
        }
        guard heartbeat > 0, heartbeat.isFinite else {
            throw ValidationError("--heartbeat must be a number of seconds greater than 0.")
        }
        guard clientBuffer >= 1024 else {
            throw ValidationError("--client-buffer must be a number of bytes, at least 1024.")
        }
        guard maxBody >= 0 else { throw ValidationError("--max-body must be a number of bytes, 0 or more.") }
        guard maxHead >= 256 else { throw ValidationError("--max-head must be a number of bytes, at least 256.") }
        if let maxClients, maxClients < 1 { throw ValidationError("--max-clients must be at least 1.") }
        guard historyTTL > 0, historyTTL.isFinite else {
            throw ValidationError("--history-ttl must be a number of seconds greater than 0.")
        }
        guard maxTopics >= 1 else { throw ValidationError("--max-topics must be at least 1.") }
        for origin in corsOrigins where !CORSPolicy.isValidOrigin(origin) {
            throw ValidationError(
                "--cors takes an origin like http://localhost:3000 (scheme, host, optional port; no path or trailing slash) or '*', not \"\(origin)\"."
            )
        }
        if corsOrigins.contains("*") && corsOrigins.count > 1 {
            throw ValidationError("--cors '*' already allows every origin; give it alone.")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both, or --tls-self-signed.")
        }
        if tlsSelfSigned && tlsCert != nil {
            throw ValidationError(
                "--tls-self-signed makes its own certificate; give it without --tls-cert and --tls-key.")
        }
    }

    /// The server's settings from the options.
    var configuration: ScriptServer.Configuration {
        var configuration = ScriptServer.Configuration()
        configuration.server.host = host
        configuration.server.port = port
        configuration.server.heartbeat = .nanoseconds(Int64(heartbeat * 1e9))
        configuration.server.clientBuffer = clientBuffer
        configuration.server.maxBody = maxBody
        configuration.server.maxHead = maxHead
        if let maxClients { configuration.server.maxClients = maxClients }
        configuration.server.historyTTL = .nanoseconds(Int64(min(historyTTL, 1e9) * 1e9))
        configuration.server.maxTopics = maxTopics
        if corsOrigins == ["*"] {
            configuration.server.cors = .anyOrigin
        } else if !corsOrigins.isEmpty {
            configuration.server.cors = .origins(corsOrigins)
        }
        configuration.script = script.scriptOptions
        if let ioThreads { configuration.ioThreads = ioThreads }
        configuration.watch = !noWatch
        configuration.cluster = cluster.configuration(port: port)
        if let tlsCert, let tlsKey {
            configuration.tls = .files(certificate: tlsCert, key: tlsKey)
        } else if tlsSelfSigned {
            configuration.tls = .selfSigned
        }
        return configuration
    }

    func run() async throws {
        observability.format.bootstrap(level: observability.level)
        DescriptorLimit.raiseSoftLimit()  // before the configuration, whose default --max-clients follows it
        // Caught from the start, so a stop asked for while starting is graceful too.
        let stopSignals = StopSignals([SIGINT, SIGTERM])
        let logger = Logger(label: "ssescript")
        let exporter = observability.metricsAddress.map { _ in PrometheusExporter.bootstrapped() }
        var configuration = self.configuration
        if let exporter { configuration.server.metrics = exporter }
        let server: ScriptServer
        do {
            server = try ScriptServer(scriptPath: script.script, configuration: configuration, logger: logger)
        } catch {
            printError("ssescript: \(error)")
            throw ExitCode.failure
        }
        let reloads = ReloadSignal {
            server.reloadCertificates()
            Task { try? await server.reload(because: "SIGHUP") }
        }
        let (port, metrics) = try await start(server, exporter: exporter, logger: logger)
        var standardOutput = StandardOutput()
        for path in try await server.streamPaths { print(server.url(path, port: port), to: &standardOutput) }
        if let fingerprint = server.fingerprint {
            let origin = tlsSelfSigned ? "self-signed for localhost, 127.0.0.1 and ::1" : tlsCert ?? ""
            logger.info("TLS certificate \(origin): SHA-256 \(fingerprint)")
        }
        logger.info("serving \(script.script); demo page at \(server.url("/", port: port))")
        if let cluster = server.configuration.cluster {
            logger.info("instance \(cluster.node) of the cluster on \(cluster.redis.url)")
        }

        await stopSignals.first()
        // Graceful stop: no new connections, the script's on_stop (its last events
        // go out), then every stream ends cleanly. A second signal exits at once.
        logger.info("stopping")
        await server.stop()  // /healthz answers 503 meanwhile
        await metrics?.stop()
        withExtendedLifetime(reloads) {}  // SIGHUP stays caught until the end
    }

    /// Loads the script and listens for streams, then for metrics with
    /// `--metrics`; returns the streams' port. A failure is one line and exit 1.
    private func start(_ server: ScriptServer, exporter: PrometheusExporter?, logger: Logger) async throws -> (
        Int, MetricsListener?
    ) {
        do {
            try await server.load()
        } catch {
            // One line, as the README promises: the message, not the traceback after it.
            printError("ssescript: \((error as? LuaError)?.message ?? "\(error)")")
            await server.shutdownLoops()
            throw ExitCode.failure
        }
        let port: Int
        do {
            port = try await server.listen()
        } catch {
            printError("ssescript: cannot listen on \(host):\(self.port): \(Self.describe(error))")
            await server.stop()
            throw ExitCode.failure
        }
        do {
            return (port, try await startMetrics(exporter, server: server, logger: logger))
        } catch {
            let address = observability.metrics ?? ""
            printError("ssescript: cannot listen on \(address) for metrics: \(Self.describe(error))")
            await server.stop()
            throw ExitCode.failure
        }
    }

    /// The `/metrics` and `/healthz` listener, with `--metrics`.
    private func startMetrics(_ exporter: PrometheusExporter?, server: ScriptServer, logger: Logger) async throws
        -> MetricsListener?
    {
        guard let exporter, let address = observability.metricsAddress else { return nil }
        let listener = MetricsListener(host: address.host, port: address.port, exporter: exporter, server: server)
        let port = try await listener.start()
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        logger.info("metrics at http://\(host):\(port)/metrics, health at http://\(host):\(port)/healthz")
        return listener
    }

    /// A socket error as one line ("address already in use").
    static func describe(_ error: Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }
}
