/// Limits and libraries of the scripts a host runs.
public struct ScriptOptions: Sendable {
    /// Bytes the script's VM may hold (`--script-memory`). Default 256 MiB.
    public var memoryLimit: Int = 256 << 20
    /// How long a handler or timer may run without yielding (`--script-timeout`).
    /// Default 0.5 s.
    public var timeout: Duration = .milliseconds(500)
    /// Only `string`, `table`, `math`, `utf8`, `coroutine`, a safe `os` and `sse`
    /// (`--sandbox`), for scripts you did not write.
    public var sandbox = false

    public init() {}
}
