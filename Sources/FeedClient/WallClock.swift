// The wall clock (CLOCK_REALTIME): for the `started` line of a recording and for latency stamps.

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

enum WallClock {
    /// Microseconds since the Unix epoch, as the bench peers stamp their events.
    static func microseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    /// Now in UTC, to the microsecond: `2026-12-01T10:00:00.123456Z`.
    static func iso8601Now() -> String {
        let now = microseconds()
        var seconds = time_t(now / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let date = [
            padded(Int(parts.tm_year) + 1900, 4), padded(Int(parts.tm_mon) + 1, 2), padded(Int(parts.tm_mday), 2),
        ]
        let time = [padded(Int(parts.tm_hour), 2), padded(Int(parts.tm_min), 2), padded(Int(parts.tm_sec), 2)]
        return date.joined(separator: "-") + "T" + time.joined(separator: ":") + "."
            + padded(Int(now % 1_000_000), 6) + "Z"
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
