import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The events of a stream read on a thread of its own, from a plain socket with a
/// 4 MiB receive buffer, split into lines with `memchr`.
///
/// The reader must keep up with 10 MB/s however busy the test process is: the
/// tests share a cooperative pool of two threads, which other tests block for
/// up to 100 ms at a time (the browser's pipe, the binary's output), and a
/// stream read through that pool falls behind and is, rightly, disconnected.
struct EventLines {
    struct Event {
        var id: Int
        var dataLength: Int
    }

    private(set) var events: [Event] = []
    private var line: [UInt8] = []
    private var current = Event(id: -1, dataLength: -1)

    /// The first `count` events of `GET path` (HTTP/1.1, chunked: the chunk-size
    /// lines are skipped): each one's `id` and the length of its `data:` line.
    static func read(port: Int, path: String, count: Int, seconds: Double = 30) async throws -> [Event] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    let connection = try RawConnection(port: port, receiveBuffer: 4 << 20)
                    connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                    var lines = EventLines()
                    let deadline = ContinuousClock.now + .seconds(seconds)
                    while lines.events.count < count, ContinuousClock.now < deadline, connection.receive({ lines.feed($0) }) {}
                    continuation.resume(returning: Array(lines.events.prefix(count)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let start = bytes.baseAddress! + offset
            guard let newline = memchr(start, 10, bytes.count - offset) else {
                line += UnsafeRawBufferPointer(start: start, count: bytes.count - offset)
                return
            }
            let length = UnsafeRawPointer(newline) - start
            line += UnsafeRawBufferPointer(start: start, count: length)
            offset += length + 1
            if line.isEmpty {
                if current.id >= 0 { events.append(current) }
                current = Event(id: -1, dataLength: -1)
            } else if line.starts(with: Array("id: ".utf8)) {
                current.id = Int(String(decoding: line.dropFirst(4), as: UTF8.self)) ?? -1
            } else if line.starts(with: Array("data: ".utf8)) {
                current.dataLength = line.count
            }
            line.removeAll(keepingCapacity: true)
        }
    }
}
