import ArgumentParser
import Dispatch
import Logging
import NIOCore
import NIOPosix
import PushServer
import Scripting

#if canImport(Glibc)
    import Glibc
#endif

/// `ssescript serve SCRIPT`: runs the script and serves its streams.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a script and serve its streams.")

    @OptionGroup var script: ScriptOptionGroup

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "Seconds of silence after which a stream gets a heartbeat comment.")
    var heartbeat: Double = 15

    @Flag(help: "Do not reload the script when it or a module it requires changes (SIGHUP still reloads).")
    var noWatch = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535.") }
        guard heartbeat > 0, heartbeat.isFinite else {
            throw ValidationError("--heartbeat must be a number of seconds greater than 0.")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "ssescript")
        var configuration = PushServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.heartbeat = .nanoseconds(Int64(heartbeat * 1e9))

        let io = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let scripts = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let scriptLoop = scripts.next()
        let server = PushServer(configuration: configuration, group: io, controlLoop: scriptLoop)
        let host = ScriptHost(
            scriptPath: script.script, options: script.scriptOptions, server: server, logger: logger)

        do {
            try await scriptLoop.submit { try host.start() }.get()
        } catch {
            printError("ssescript: \(error)")
            throw ExitCode.failure
        }
        let port: Int
        do {
            port = try await server.start()
        } catch {
            printError("ssescript: cannot listen on \(self.host):\(self.port): \(Self.describe(error))")
            throw ExitCode.failure
        }
        let base = "http://\(self.host.contains(":") ? "[\(self.host)]" : self.host):\(port)"
        var standardOutput = StandardOutput()
        for path in try await scriptLoop.submit({ host.streamPaths }).get() {
            print("\(base)\(path)", to: &standardOutput)
        }
        logger.info("serving \(script.script); demo page at \(base)/")
        if !noWatch { scriptLoop.execute { host.startWatching() } }
        let reloads = ReloadSignal { scriptLoop.execute { host.reload(because: "SIGHUP") } }
        defer { reloads.cancel() }

        await Signals.wait(for: [SIGINT, SIGTERM])
        logger.info("stopping")
        try await scriptLoop.submit { host.stop() }.get()
        await server.stop()
        try await io.shutdownGracefully()
        try await scripts.shutdownGracefully()
    }

    /// A socket error as one line ("address already in use").
    static func describe(_ error: Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }
}

/// POSIX signals as something to await.
enum Signals {
    /// Returns when one of `signals` arrives.
    static func wait(for signals: [Int32]) async {
        let (arrivals, continuation) = AsyncStream<Int32>.makeStream()
        let queue = DispatchQueue(label: "signals")
        let sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        for await _ in arrivals { break }
        for source in sources { source.cancel() }
    }
}
