import Foundation
import TestProcesses

/// `openssl s_client` holding one TLS connection open: the test writes requests to it and reads what it printed
/// (the server's certificate, the negotiated ALPN, the responses).
final class TLSClientSession {
    private let process: Process
    private let input: Pipe
    private let directory: TemporaryDirectory
    private let outputPath: String

    /// Connects to `127.0.0.1:port` (SNI `localhost`), offering `alpn` if given, and waits for the handshake.
    init(port: Int, alpn: String? = nil) async throws {
        directory = try TemporaryDirectory()
        outputPath = directory.path("stdout")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: directory.path("stderr"), contents: nil)
        var arguments = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"]
        arguments += ["-nocommands"] + (alpn.map { ["-alpn", $0] } ?? [])
        process = try Command.makeProcess(arguments)
        input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("stderr")))
        try process.run()
        try await waitFor("ALPN", occurrences: 1)
    }

    /// Everything s_client printed so far.
    var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// The certificate the server presented.
    var serverCertificatePEM: String? { OpenSSL.firstCertificate(in: output) }

    /// `h2`, `http/1.1`, or nil when s_client printed "No ALPN negotiated".
    var negotiatedProtocol: String? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("ALPN protocol: ") }) else {
            return nil
        }
        return String(line.dropFirst("ALPN protocol: ".count))
    }

    /// Writes `text` to the connection.
    func send(_ text: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// Waits until `text` appears `occurrences` times in the output, for at most `timeout`.
    func waitFor(_ text: String, occurrences: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while output.components(separatedBy: text).count - 1 < occurrences {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw SessionFailed(expected: text, output: output)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Ends the input, so s_client closes the connection and exits; after a second, kills it by its pid.
    func close() async {
        try? input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(1)
        while process.isRunning, ContinuousClock.now < deadline {
            usleep(5_000)
        }
        Command.kill(process)
    }

    deinit {
        Command.kill(process)
    }
}

struct SessionFailed: Error, CustomStringConvertible {
    let expected: String
    let output: String

    var description: String { "s_client never printed \(expected.debugDescription); it printed:\n\(output)" }
}
