// A file (or standard output) written with plain write(2) calls, and a whole file read back.

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A file or a stream that cannot be opened, written or read; says which and why, as `strerror` does.
public struct FileError: Error, Hashable, CustomStringConvertible {
    public var path: String
    public var action: String
    public var code: Int32

    public var description: String { "cannot \(action) \(path): \(String(cString: strerror(code)))" }
}

/// Where a recording goes: each `write` is one `write(2)` (repeated only for a partial write), so
/// what is in the file is always whole records, with nothing buffered in the process to flush.
public final class OutputFile: Sendable {
    private let descriptor: Int32
    private let path: String
    private let closesDescriptor: Bool

    /// Creates or truncates `path`; `"-"` is standard output.
    public init(path: String) throws(FileError) {
        self.path = path == "-" ? "standard output" : path
        if path == "-" {
            descriptor = STDOUT_FILENO
            closesDescriptor = false
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            closesDescriptor = true
            guard descriptor >= 0 else { throw FileError(path: path, action: "create", code: errno) }
        }
    }

    deinit {
        if closesDescriptor { close(descriptor) }
    }

    public func write(_ text: String) throws(FileError) {
        var text = text
        let failure: Int32? = text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure { throw FileError(path: path, action: "write", code: failure) }
    }
}

/// The bytes of the file at `path`, decoded as UTF-8 (invalid sequences become U+FFFD).
func readWholeFile(_ path: String) throws(FileError) -> String {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileError(path: path, action: "open", code: errno) }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw FileError(path: path, action: "read", code: errno)
        }
        if count == 0 { break }
        bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension Recording {
    /// Reads the recording in the file at `path`.
    public init(contentsOfFile path: String) throws {
        let text = try readWholeFile(path)
        do {
            try self.init(parsing: text)
        } catch {
            throw RecordingFormatError(file: path, line: error.line, reason: error.reason)
        }
    }
}
