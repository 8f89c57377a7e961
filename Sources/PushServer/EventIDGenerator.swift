#if canImport(Glibc)
    import Glibc
#endif

/// Numbers the events of streams declared with `ids = "auto"`, Redis-Streams style:
/// `<unix-ms>-<seq>`, where `seq` starts at 0 in each new millisecond.
///
/// Ids only grow: if the clock goes back, the last millisecond is kept and `seq`
/// goes on. Since they start from the wall clock, ids of a restarted server are
/// newer than any it gave before, so a client's old id never names a new event.
struct EventIDGenerator {
    private var millisecond: Int64 = -1
    private var sequence: Int64 = 0

    /// The next id, for an event published at `now` (unix milliseconds).
    mutating func next(now: Int64) -> String {
        if now > millisecond {
            millisecond = now
            sequence = 0
        } else {
            sequence += 1
        }
        return "\(millisecond)-\(sequence)"
    }

    /// The next id, at the wall clock's time.
    mutating func next() -> String { next(now: Self.wallClockMilliseconds()) }

    static func wallClockMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
