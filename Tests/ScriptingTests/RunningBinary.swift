import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `ssescript` started in the background, as a user starts it: its standard output
/// read line by line (every read has a deadline), its standard error kept in a file
/// (a pipe nobody reads would fill and stall the server), its process measured in
/// `/proc`. Stopped by its pid: a signal, then `SIGKILL` if it does not exit in time.
final class RunningBinary: @unchecked Sendable {  // used by one test at a time
    static var path: String {
        // `swift test` builds the executable beside the test bundle.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "ssescript"
        ).path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : Repository.path(".build/debug/ssescript")
    }

    private let process = Process()
    private let output = Pipe()
    private let errorFile: URL
    /// Bytes read from standard output and not yet returned as a line.
    private var pending: [UInt8] = []
    private var outputEnded = false

    /// Runs `executable` (`ssescript` as `swift test` built it, unless told) with
    /// `arguments`, and `environment` added to this process's; with `descriptors`,
    /// under that soft and hard `RLIMIT_NOFILE` (through `prlimit`, which execs it:
    /// the same pid).
    init(
        _ arguments: [String], environment: [String: String] = [:], executable: String = RunningBinary.path,
        descriptors: Int? = nil
    ) throws {
        errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("ssescript-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        if let descriptors {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(descriptors):\(descriptors)", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: errorFile)
    }

    var pid: Int32 { process.processIdentifier }

    /// Starts `ssescript serve` on `source` (Lua, written to a temporary file) on a
    /// free port with `arguments`, and reads the first stream URL it prints.
    static func serve(_ source: String, _ arguments: [String] = []) throws -> Served {
        try serve(file: try TemporaryScript.write(source), arguments)
    }

    /// Starts `ssescript serve` on the script at `file` on a free port, with
    /// `environment` added to this process's, and reads the first stream URL it prints.
    static func serve(file: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws
        -> Served
    {
        let binary = try RunningBinary(["serve", file, "--port", "0"] + arguments, environment: environment)
        let line = binary.firstLine(timeout: 30)
        guard let line, let url = URLComponents(string: line), let host = url.host, let port = url.port else {
            binary.terminate()
            throw BinaryError("serve printed no stream URL: \(line ?? "nothing"); \(binary.errors)")
        }
        return Served(binary: binary, url: line, base: "http://\(host):\(port)", port: port)
    }

    /// A `serve` that has started: the binary, the first URL it printed, and where it listens.
    struct Served {
        let binary: RunningBinary
        let url: String
        /// `http://HOST:PORT`
        let base: String
        let port: Int
    }

    // MARK: Output

    /// The next line the process writes to standard output, or nil if none comes
    /// within `timeout` seconds (or the output ends first).
    func nextLine(timeout: Double) -> String? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while true {
            if let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            guard !outputEnded, readOutput(until: deadline) else { return nil }
        }
    }

    /// The first line of standard output (the first stream URL `serve` prints).
    func firstLine(timeout: Double) -> String? { nextLine(timeout: timeout) }

    /// What the process writes to standard output from now on until it has been
    /// quiet for `quiet` seconds (or `timeout` passes).
    func moreOutput(quiet: Double = 0.3, timeout: Double = 5) -> String {
        let end = ContinuousClock.now + .seconds(timeout)
        while !outputEnded, ContinuousClock.now < end, readOutput(until: min(end, .now + .seconds(quiet))) {}
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Waits (poll) for standard output until `deadline`; false if nothing came.
    private func readOutput(until deadline: ContinuousClock.Instant) -> Bool {
        let descriptor = output.fileHandleForReading.fileDescriptor
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, deadline.secondsFromNow * 1000))
        guard poll(&poller, 1, milliseconds) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = read(descriptor, &chunk, chunk.count)
        guard count > 0 else {
            outputEnded = true
            return false
        }
        pending += chunk[..<count]
        return true
    }

    /// Everything the process has written to standard error so far.
    var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    // MARK: The process, measured

    /// The process's resident memory in KiB (`VmRSS`).
    var residentKilobytes: Int { status("VmRSS") }

    /// The most resident memory the process has had, in KiB (`VmHWM`).
    var peakResidentKilobytes: Int { status("VmHWM") }

    /// The CPU time the process has used, in seconds (/proc/PID/stat).
    var cpuSeconds: Double {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A number of kilobytes from `/proc/PID/status`.
    private func status(_ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    /// How many file descriptors the process has open.
    var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// The names of the process's threads (`/proc/PID/task/*/comm`).
    var threadNames: [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .newlines)
        }
    }

    // MARK: Stopping

    /// Sends `SIGTERM` and returns the exit status (see `waitForExit`).
    @discardableResult
    func terminate(within seconds: Double = 10) -> Int32 {
        signal(SIGTERM)
        return waitForExit(within: seconds)
    }

    /// Sends `signal` (if it still runs).
    func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// Waits for the process to end and returns its exit status; if it has not
    /// ended within `seconds`, records an issue, kills it and returns -1.
    @discardableResult
    func waitForExit(within seconds: Double = 10) -> Int32 {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning, ContinuousClock.now < deadline { usleep(5000) }
        guard !process.isRunning else {
            Issue.record("ssescript (pid \(pid)) did not exit within \(seconds) s; killed")
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

struct BinaryError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
