import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `ssescript serve` under soak: started, asked, measured, signalled, stopped.
final class ServerProcess: Sendable {
    private let process: Process
    let port: Int

    init(binary: String, script: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", script, "--port", "0", "--no-watch"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while !line.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let url = String(decoding: line.prefix { $0 != 10 }, as: UTF8.self)
        guard let port = URLComponents(string: url)?.port else {
            process.terminate()
            throw SoakFailure("the server did not start: \(url)")
        }
        self.process = process
        self.port = port
    }

    var pid: Int32 { process.processIdentifier }

    /// Open descriptors (/proc/PID/fd).
    var descriptors: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }

    /// Resident memory, and the most it has been, in KiB.
    var memory: (resident: Int, peak: Int) { (status("VmRSS"), status("VmHWM")) }

    private func status(_ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// Reloads the script, as an editor's save or a deploy would.
    func reload() { kill(pid, SIGHUP) }

    /// Stops it gracefully; returns its exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The body of a plain request (`GET /clients`, `POST /stop`), on a connection of its own.
    func ask(_ method: String, _ path: String) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw SoakFailure("cannot connect to the server") }
        let request = Array(
            "\(method) \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        return String(text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct SoakFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
