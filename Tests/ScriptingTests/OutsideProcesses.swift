import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Python scripts run as clients nobody here wrote (`requests`, `openai`, ...).
enum Python {
    /// Runs `source` with `python3`, its arguments after it; returns its exit status
    /// and output. Blocking: call it through `onOwnThread`.
    static func run(_ source: String, _ arguments: [String] = []) throws -> (
        status: Int32, output: String, errors: String
    ) {
        try ScriptingTests.run("/usr/bin/env", ["python3", "-c", source] + arguments)
    }

    /// Whether `module` can be imported (the Makefile installs what the tests use).
    static func has(_ module: String) -> Bool {
        (try? run("import \(module)").status) == 0
    }
}

/// A process that keeps one core busy while a test runs, as another program on
/// a shared machine would; stopped by its pid.
final class CPUHog: Sendable {
    private let pid: pid_t

    init() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "while :; do :; done"]
        try process.run()
        pid = process.processIdentifier
    }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

/// Runs `body` while a `CPUHog` holds one core.
func withCPUHog<T>(_ body: () async throws -> T) async throws -> T {
    let hog = try CPUHog()
    defer { hog.stop() }
    return try await body()
}
