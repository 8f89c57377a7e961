// Helpers of FeedClientTests: the built binary, the Python feed server, temporary files.

internal import Foundation

/// The built `ssescript` executable.
enum Binary {
    static var path: String {
        // `swift test` builds the executable beside the test bundle.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("ssescript").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : Repository.path(".build/debug/ssescript")
    }
}

enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// What a finished process left: its status and what it printed.
struct Finished {
    var status: Int32
    var output: String
    var errors: String
}

/// A process started in the background, its output collected; killed if it outlives `timeLimit`.
// The output buffers are written by the collecting queues before `collected.leave()` and read only
// after `collected.wait()`; everything else is set in `init`.
final class Spawned: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private var outputBytes = Data()
    private var errorBytes = Data()
    private let collected = DispatchGroup()

    init(_ executable: String, _ arguments: [String], timeLimit: Double = 30) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        collect(output) { self.outputBytes = $0 }
        collect(errors) { self.errorBytes = $0 }
        let process = self.process
        DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit) {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    private func collect(_ pipe: Pipe, into store: @escaping @Sendable (Data) -> Void) {
        collected.enter()
        DispatchQueue.global().async {
            store(pipe.fileHandleForReading.readDataToEndOfFile())
            self.collected.leave()
        }
    }

    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits for the end and returns what it printed.
    func finish() -> Finished {
        process.waitUntilExit()
        collected.wait()
        return Finished(
            status: process.terminationStatus, output: String(decoding: outputBytes, as: UTF8.self),
            errors: String(decoding: errorBytes, as: UTF8.self))
    }
}

/// Runs the built `ssescript` with `arguments` to its end (killed after `timeLimit` seconds).
func ssescript(_ arguments: [String], timeLimit: Double = 30) throws -> Finished {
    try Spawned(Binary.path, arguments, timeLimit: timeLimit).finish()
}

/// `Resources/feed_server.py` on a free port of 127.0.0.1; stopped by its pid.
final class FeedServer {
    private let process = Process()
    let port: Int

    init() throws {
        let script = Bundle.module.path(forResource: "feed_server", ofType: "py", inDirectory: "Resources")!
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")  // Debian's (make test installs it)
        process.arguments = [script]
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.readLine(), as: UTF8.self)
        guard let port = Int(line) else {
            process.terminate()
            throw ServerDidNotStart(printed: line)
        }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct ServerDidNotStart: Error {
    var printed: String
}

extension FileHandle {
    /// Bytes up to the first LF (not included), read one at a time.
    fileprivate func readLine() -> [UInt8] {
        var bytes: [UInt8] = []
        while let byte = try? read(upToCount: 1), let first = byte.first, first != 10 {
            bytes.append(first)
        }
        return bytes
    }
}

/// A path in a fresh temporary directory.
func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feedclient-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}
