import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Standard error, one whole line per `write(2)`, lines from different threads
/// never mixed; and the time stamp of a line.
enum LogOutput {
    /// A handler's own metadata, then its provider's, then the event's: later keys win.
    static func merged(
        _ metadata: Logger.Metadata, _ provider: Logger.MetadataProvider?, _ event: LogEvent
    ) -> Logger.Metadata {
        var all = metadata
        if let provided = provider?.get() { all.merge(provided) { _, new in new } }
        if let own = event.metadata { all.merge(own) { _, new in new } }
        return all
    }

    private static let lock = Mutex(())

    static func write(_ line: String) {
        var line = line
        lock.withLock { _ in
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    /// Now in UTC, to the millisecond: `2025-06-01T12:00:00.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        let fraction =
            milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) + ".\(fraction)Z"
    }
}
