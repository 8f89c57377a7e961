import CoreMetrics
import Logging
import LuaRuntime
import NIOEmbedded
import PushServer
import Testing

@testable import Scripting

/// A script on an `EmbeddedEventLoop`: no sockets, time under the test's control.
final class EmbeddedScript {
    let loop = EmbeddedEventLoop()
    let server: PushServer
    let host: ScriptHost

    /// With `metrics`, the server's and the script's series go there; with `logger`,
    /// what they log (default: nothing below critical).
    init(
        _ source: String, options: ScriptOptions = ScriptOptions(),
        metrics: any MetricsFactory = NOOPMetricsHandler.instance, logger: Logger? = nil
    ) throws {
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let logger = logger ?? quiet
        var configuration = PushServer.Configuration()
        configuration.metrics = metrics
        server = PushServer(configuration: configuration, group: loop, controlLoop: loop, logger: logger)
        host = ScriptHost(
            scriptPath: try TemporaryScript.write(source), options: options, server: server, logger: logger)
        try host.start()
    }

    var lua: LuaState { host.vm!.lua }

    /// Runs Lua in the script's VM and returns its one result. A chunk that returns
    /// more (or fewer) than one value is an issue: compare those with `values`, so
    /// no value goes unchecked.
    func eval(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> LuaValue {
        let results = try values(source)
        if results.count != 1 {
            Issue.record("\(source) returned \(results.count) values; use values(_:)", sourceLocation: sourceLocation)
        }
        return results.first ?? .nil
    }

    /// Runs Lua in the script's VM and returns every result.
    func values(_ source: String) throws -> [LuaValue] { try lua.run(source, name: "eval") }

    /// The error message `source` raises, run through `pcall`.
    func error(_ source: String) throws -> String? {
        try lua.run("local ok, err = pcall(function() \(source) end); return err", name: "eval").first?.string
    }

    func advance(_ seconds: Double) { loop.advanceTime(by: .milliseconds(Int64(seconds * 1000))) }
}
