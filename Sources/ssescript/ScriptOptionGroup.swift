import ArgumentParser
import Scripting

/// Options shared by `serve` and `check`: the script and the limits it runs under.
struct ScriptOptionGroup: ParsableArguments {
    @Argument(help: "The Lua script to run.", completion: .file(extensions: ["lua"]))
    var script: String

    private static let defaults = ScriptOptions()

    @Option(help: "Seconds of CPU time a handler or timer may use without yielding before it is stopped.")
    var scriptTimeout =
        Double(defaults.timeout.components.seconds) + Double(defaults.timeout.components.attoseconds) / 1e18

    @Option(help: "Megabytes of memory the script may use.")
    var scriptMemory = defaults.memoryLimit >> 20

    @Flag(help: "Run the script with only string, table, math, utf8, coroutine, a safe os and sse.")
    var sandbox = false

    func validate() throws {
        guard scriptTimeout > 0, scriptTimeout.isFinite else {
            throw ValidationError("--script-timeout must be a number of seconds greater than 0.")
        }
        guard scriptMemory > 0 else { throw ValidationError("--script-memory must be at least 1 (megabyte).") }
    }

    var scriptOptions: ScriptOptions {
        var options = ScriptOptions()
        options.timeout = .milliseconds(Int64(scriptTimeout * 1000))
        options.memoryLimit = scriptMemory << 20
        options.sandbox = sandbox
        return options
    }
}
