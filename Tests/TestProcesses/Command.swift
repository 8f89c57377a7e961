public import Foundation

/// One run of a program from the system (openssl, curl): its exit status and what it printed.
public struct CommandResult: Sendable {
    public let status: Int32
    public let output: String
    public let errorOutput: String
}

public enum CommandError: Error, CustomStringConvertible {
    case notFound(String)
    case timedOut([String])

    public var description: String {
        switch self {
        case .notFound(let name): "\(name) is not installed (make test-deps installs it)"
        case .timedOut(let arguments): "timed out: \(arguments.joined(separator: " "))"
        }
    }
}

public enum Command {
    /// Runs `arguments` (the first is looked up in PATH) with `input` on its standard input; output goes
    /// through files so a chatty program never blocks on a full pipe. Ends the process after `timeout`.
    public static func run(
        _ arguments: [String],
        input: String = "",
        timeout: Duration = .seconds(20)
    ) async throws -> CommandResult {
        let directory = try TemporaryDirectory()
        let outputURL = directory.url.appendingPathComponent("stdout")
        let errorURL = directory.url.appendingPathComponent("stderr")
        let inputURL = directory.url.appendingPathComponent("stdin")
        try Data(input.utf8).write(to: inputURL)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)

        let process = try makeProcess(arguments)
        process.standardInput = try FileHandle(forReadingFrom: inputURL)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process)
                throw CommandError.timedOut(arguments)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return CommandResult(
            status: process.terminationStatus,
            output: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            errorOutput: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
        )
    }

    /// Kills a child still running, by its pid. SIGKILL: a child of the test runner may inherit SIGTERM ignored.
    public static func kill(_ process: Process) {
        guard process.isRunning else { return }
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
    }

    /// A process for `arguments`, its program found in PATH.
    public static func makeProcess(_ arguments: [String]) throws -> Process {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/\(arguments[0])" }
        guard let program = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CommandError.notFound(arguments[0])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(arguments.dropFirst())
        return process
    }
}

/// A directory under the system's temporary directory, removed when the value goes away.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
