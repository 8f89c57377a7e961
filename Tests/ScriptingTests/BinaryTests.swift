import Foundation
import Testing

/// The built `ssescript` binary as a process, read by `curl -N`.
@Suite struct BinaryTests {
    @Test func serveStreamsTheClockToCurl() async throws {
        let server = try RunningBinary(["serve", Repository.path("scripts/clock.lua"), "--port", "0"])
        defer { server.terminate() }
        let url = try #require(server.firstLine(timeout: 30), "the stream URL is printed on start")
        #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/sse"))
        let curl = try run("/usr/bin/curl", ["-sN", "--max-time", "7.5", url])
        #expect(curl.output.contains(": ok\n"))
        #expect(curl.output.contains("retry: 6000\ndata: "))
        #expect(curl.output.contains("event: timeMessage\ndata: "))
        #expect(server.terminate() == 0, "SIGTERM ends the server with status 0")
    }

    @Test func checkPrintsFileAndLineOfABrokenScriptAndFails() throws {
        let path = try TemporaryScript.write(
            "sse.stream(\"/sse\")\nsse.every(1, function()\n  publish(\n", name: "broken.lua")
        let result = try run(RunningBinary.path, ["check", path])
        #expect(result.status == 1)
        #expect(result.errors.contains("broken.lua:4:"), "syntax error at the end of the file")
        #expect(!result.errors.contains("Fatal") && result.errors.split(separator: "\n").count == 1)
        let runtime = try TemporaryScript.write("local x = nil\nsse.stream(x.path)\n", name: "runtime.lua")
        let failed = try run(RunningBinary.path, ["check", runtime])
        #expect(failed.status == 1 && failed.errors.contains("runtime.lua:2: attempt to index a nil value"))
        let good = try run(RunningBinary.path, ["check", Repository.path("scripts/countdown.lua")])
        #expect(good.status == 0 && good.output.contains("countdown.lua: ok"))
    }

    @Test func startupErrorsAreOneClearLine() throws {
        let missing = try run(RunningBinary.path, ["serve", "/nonexistent/clock.lua", "--port", "0"])
        #expect(missing.status == 1)
        #expect(missing.errors == "ssescript: cannot open /nonexistent/clock.lua: No such file or directory\n")

        let topLevel = try TemporaryScript.write("sse.stream('/a')\nerror('not today')\n", name: "top.lua")
        let failed = try run(RunningBinary.path, ["serve", topLevel, "--port", "0"])
        #expect(failed.status == 1 && failed.errors.hasPrefix("ssescript: \(topLevel):2: not today"))

        let holder = try RunningBinary(["serve", Repository.path("scripts/clock.lua"), "--port", "0"])
        defer { holder.terminate() }
        let url = try #require(holder.firstLine(timeout: 30))
        let port = try #require(URLComponents(string: url)?.port)
        let busy = try run(RunningBinary.path, ["serve", Repository.path("scripts/clock.lua"), "--port", "\(port)"])
        #expect(busy.status == 1)
        #expect(busy.errors.contains("ssescript: cannot listen on 127.0.0.1:\(port): Address already in use"))
        #expect(!busy.errors.contains("Fatal error"))
    }

    @Test func badLimitsAndOriginsAreOneClearLine() throws {
        let clock = Repository.path("scripts/clock.lua")
        let cases: [([String], String)] = [
            (["--max-clients", "0"], "--max-clients must be at least 1."),
            (["--client-buffer", "10"], "--client-buffer must be a number of bytes, at least 1024."),
            (["--max-body=-1"], "--max-body must be a number of bytes, 0 or more."),
            (["--max-head", "10"], "--max-head must be a number of bytes, at least 256."),
            (["--io-threads", "0"], "--io-threads must be from 1 to 256."),
            (["--heartbeat", "0"], "--heartbeat must be a number of seconds greater than 0."),
            (["--history-ttl", "0"], "--history-ttl must be a number of seconds greater than 0."),
            (["--max-topics", "0"], "--max-topics must be at least 1."),
            (["--script-timeout", "0"], "--script-timeout must be a number of seconds greater than 0."),
            (["--cors", "localhost:3000"], "--cors takes an origin like http://localhost:3000"),
            (["--cors", "http://localhost:3000/"], "no path or trailing slash"),
            (
                ["--cors", "*", "--cors", "http://localhost:3000"],
                "--cors '*' already allows every origin; give it alone."
            ),
        ]
        for (arguments, message) in cases {
            let result = try run(RunningBinary.path, ["serve", clock, "--port", "0"] + arguments)
            #expect(result.status != 0 && result.errors.contains(message), "\(arguments): \(result.errors)")
        }
    }
}

/// `ssescript` started in the background; its standard output read line by line.
final class RunningBinary: @unchecked Sendable {  // used by one test
    static var path: String {
        // `swift test` builds the executable beside the test bundle.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "ssescript"
        ).path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : Repository.path(".build/debug/ssescript")
    }

    private let process = Process()
    private let output = Pipe()

    /// Starts `ssescript` with `arguments`; with `descriptors`, under that soft and
    /// hard `RLIMIT_NOFILE` (through `prlimit`, which execs it: same pid); its
    /// standard error to the file `errors`, if given.
    init(_ arguments: [String], descriptors: Int? = nil, errors: String? = nil) throws {
        if let descriptors {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(descriptors):\(descriptors)", Self.path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.path)
            process.arguments = arguments
        }
        process.standardOutput = output
        if let errors {
            FileManager.default.createFile(atPath: errors, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: errors)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    /// The first line the process writes to standard output.
    func firstLine(timeout: Double) -> String? {
        let handle = output.fileHandleForReading
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            bytes += chunk
            if let newline = bytes.firstIndex(of: 10) { return String(decoding: bytes[..<newline], as: UTF8.self) }
        }
        return nil
    }

    var pid: Int32 { process.processIdentifier }

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

    /// A field of /proc/PID/status in KiB.
    private func status(_ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    /// Sends SIGTERM and returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        return waitForExit()
    }

    /// Sends `signal` (if it still runs).
    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to end; returns its exit status.
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Runs a command to its end.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outputData, as: UTF8.self),
        String(decoding: errorData, as: UTF8.self)
    )
}
