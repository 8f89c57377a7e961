import Cluster
import Foundation
import Logging
import PushServer
import Scripting
import Synchronization

/// A real server on 127.0.0.1 (a free port) running one script, for one test:
/// the same `ScriptServer` that `ssescript serve` runs.
final class LiveServer: Sendable {
    let scriptServer: ScriptServer
    let port: Int
    private let stopped = Atomic(false)
    var server: PushServer { scriptServer.server }
    var host: ScriptHost { scriptServer.host }
    var scriptPath: String { scriptServer.scriptPath }

    var base: String { scriptServer.url("", port: port) }
    func url(_ path: String) -> String { base + path }

    private init(scriptServer: ScriptServer, port: Int) {
        self.scriptServer = scriptServer
        self.port = port
    }

    /// Starts `script` (Lua source, written to a temporary file, or a path with `file:`).
    static func start(
        script: String,
        options: ScriptOptions = ScriptOptions(),
        logger: Logger? = nil,
        tls: TLSSource? = nil,
        cluster: ClusterNode.Configuration? = nil,
        configure: (inout PushServer.Configuration) -> Void = { _ in }
    ) async throws -> LiveServer {
        let path: String
        if script.hasPrefix("file:") {
            path = String(script.dropFirst(5))
        } else {
            path = try TemporaryScript.write(script)
        }
        var configuration = ScriptServer.Configuration()
        configuration.server.host = "127.0.0.1"
        configuration.server.port = 0
        configure(&configuration.server)
        configuration.script = options
        configuration.ioThreads = 2
        configuration.watch = false
        configuration.tls = tls
        configuration.cluster = cluster
        let server = try ScriptServer(
            scriptPath: path, configuration: configuration, logger: logger ?? Self.quietLogger)
        do {
            try await server.load()
            return LiveServer(scriptServer: server, port: try await server.listen())
        } catch {
            await server.stop()
            throw error
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// Stops it (once: a stopped server's loops are gone, and stopping again would wait forever).
    func stop() async throws {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        await scriptServer.stop()
    }

    /// Runs `body` on the script loop and returns its result.
    func onScriptLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await scriptServer.onScriptLoop(body)
    }
}

/// Runs `body` against a live server running `script`, then stops the server.
func withLiveServer<T>(
    script: String,
    options: ScriptOptions = ScriptOptions(),
    logger: Logger? = nil,
    tls: TLSSource? = nil,
    configure: (inout PushServer.Configuration) -> Void = { _ in },
    _ body: (LiveServer) async throws -> T
) async throws -> T {
    let live = try await LiveServer.start(
        script: script, options: options, logger: logger, tls: tls, configure: configure)
    do {
        let result = try await body(live)
        try await live.stop()
        return result
    } catch {
        try? await live.stop()
        throw error
    }
}

/// Scripts written to files, as the server loads them.
enum TemporaryScript {
    static func write(_ source: String, name: String = "script.lua") throws -> String {
        let file = URL(fileURLWithPath: try directory()).appendingPathComponent(name)
        try source.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// A new empty temporary directory.
    static func directory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssescript-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.path
    }
}

/// The repository's root, to find `scripts/` and the built binary.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
