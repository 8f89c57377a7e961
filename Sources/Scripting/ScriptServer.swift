public import Logging
public import NIOCore
import NIOPosix
public import PushServer

/// The whole server for one script: the I/O loops and the script loop, the
/// `PushServer`, the `ScriptHost`, and the order in which they start, reload and
/// stop. `ssescript serve`, `ssescript check` and the tests all use it.
public final class ScriptServer: Sendable {
    /// Everything `ssescript serve` can set, with its defaults.
    public struct Configuration: Sendable {
        public var server = PushServer.Configuration()
        public var script = ScriptOptions()
        /// Threads for connections (the script has one of its own). Default: one per core.
        public var ioThreads = System.coreCount
        /// Reload when the script or a module it `require`d changes. Default on.
        public var watch = true

        public init() {}
    }

    public let scriptPath: String
    public let configuration: Configuration
    public let server: PushServer
    public let host: ScriptHost
    private let io: MultiThreadedEventLoopGroup
    private let scripts: MultiThreadedEventLoopGroup

    /// The script loop: every call into Lua happens there.
    public var loop: EventLoop { host.loop }

    public init(scriptPath: String, configuration: Configuration = Configuration(), logger: Logger) {
        self.scriptPath = scriptPath
        self.configuration = configuration
        io = MultiThreadedEventLoopGroup(numberOfThreads: configuration.ioThreads)
        scripts = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        server = PushServer(
            configuration: configuration.server, group: io, controlLoop: scripts.next(), logger: logger)
        host = ScriptHost(scriptPath: scriptPath, options: configuration.script, server: server, logger: logger)
    }

    /// Loads the script and runs its top level; throws its error (`clock.lua:12: ...`).
    public func load() async throws {
        let host = self.host
        try await loop.submit { try host.start() }.get()
    }

    /// Starts listening, then watching the script (if configured); returns the port.
    public func listen() async throws -> Int {
        let port = try await server.start()
        if configuration.watch {
            let host = self.host
            loop.execute { host.startWatching() }
        }
        return port
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
    /// go out), then every stream ends cleanly and every connection closes; then the
    /// loops shut down.
    public func stop() async {
        await server.stopAccepting()
        let host = self.host
        try? await loop.submit { host.stop() }.get()
        await server.stop()
        await shutdownLoops()
    }

    /// Shuts the loops down without a graceful stop (nothing was served).
    public func shutdownLoops() async {
        try? await io.shutdownGracefully()
        try? await scripts.shutdownGracefully()
    }

    /// Checks a script without serving it: loads it and runs its top level.
    public static func check(scriptPath: String, options: ScriptOptions = ScriptOptions()) async throws {
        var configuration = Configuration()
        configuration.script = options
        configuration.ioThreads = 1
        configuration.watch = false
        let server = ScriptServer(scriptPath: scriptPath, configuration: configuration, logger: Logger(label: "check"))
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
