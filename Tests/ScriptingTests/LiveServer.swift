import Foundation
import Logging
import NIOCore
import NIOPosix
import PushServer
import Scripting

/// A real server on 127.0.0.1 (a free port) running one script, for one test.
final class LiveServer: Sendable {
    let server: PushServer
    let host: ScriptHost
    let port: Int
    let scriptPath: String
    private let io: MultiThreadedEventLoopGroup
    private let scripts: MultiThreadedEventLoopGroup

    var base: String { "http://127.0.0.1:\(port)" }
    func url(_ path: String) -> String { base + path }

    private init(
        server: PushServer, host: ScriptHost, port: Int, scriptPath: String, io: MultiThreadedEventLoopGroup,
        scripts: MultiThreadedEventLoopGroup
    ) {
        self.server = server
        self.host = host
        self.port = port
        self.scriptPath = scriptPath
        self.io = io
        self.scripts = scripts
    }

    /// Starts `script` (Lua source, written to a temporary file, or a path with `file:`).
    static func start(
        script: String,
        options: ScriptOptions = ScriptOptions(),
        logger: Logger? = nil,
        configure: (inout PushServer.Configuration) -> Void = { _ in }
    ) async throws -> LiveServer {
        let path: String
        if script.hasPrefix("file:") {
            path = String(script.dropFirst(5))
        } else {
            path = try TemporaryScript.write(script)
        }
        var configuration = PushServer.Configuration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configure(&configuration)
        let io = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let scripts = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = scripts.next()
        let server = PushServer(configuration: configuration, group: io, controlLoop: loop)
        let host = ScriptHost(scriptPath: path, options: options, server: server, logger: logger ?? Self.quietLogger)
        try await loop.submit { try host.start() }.get()
        let port = try await server.start()
        return LiveServer(server: server, host: host, port: port, scriptPath: path, io: io, scripts: scripts)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    func stop() async throws {
        try await host.loop.submit { self.host.stop() }.get()
        await server.stop()
        try await io.shutdownGracefully()
        try await scripts.shutdownGracefully()
    }

    /// Runs `body` on the script loop and returns its result.
    func onScriptLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await host.loop.submit(body).get()
    }
}

/// Runs `body` against a live server running `script`, then stops the server.
func withLiveServer<T>(
    script: String,
    options: ScriptOptions = ScriptOptions(),
    logger: Logger? = nil,
    configure: (inout PushServer.Configuration) -> Void = { _ in },
    _ body: (LiveServer) async throws -> T
) async throws -> T {
    let live = try await LiveServer.start(script: script, options: options, logger: logger, configure: configure)
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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssescript-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name)
        try source.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}

/// The repository's root, to find `scripts/` and the built binary.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
