import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to its end and returns its exit status and output. A command
/// still running after `timeout` seconds is killed (`SIGKILL`, by its pid: the
/// test runner's children may have `SIGTERM` blocked) and recorded as an issue.
/// Blocking: call it through `onOwnThread` from async code.
func run(_ executable: String, _ arguments: [String], timeout: Double = 60) throws -> (
    status: Int32, output: String, errors: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    // Standard error goes to a file, so neither pipe can fill while the other is read.
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorFile)
    try process.run()
    let pid = process.processIdentifier
    let started = Date()
    let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    if process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL,
        Date().timeIntervalSince(started) >= timeout
    {
        Issue.record(
            "\(executable) \(arguments.prefix(3).joined(separator: " ")) did not end within \(timeout) s; killed")
    }
    let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), errors)
}

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
