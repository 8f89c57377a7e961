// What one event loop's connections measured: counters and latencies, touched only on that loop.

internal import NIOCore

/// The counts of a load test, for one loop or, merged, for all.
struct LoadTally: Sendable {
    var opened = 0
    var tcpConnections = 0
    var established = 0
    var connectErrors = 0
    var httpErrors = 0
    var closedEarly = 0
    var protocolErrors = 0
    var firstEvents = 0
    var events: UInt64 = 0
    var eventsWithoutTimestamp: UInt64 = 0
    var bytes: UInt64 = 0
    var windowEvents: UInt64 = 0
    var windowBytes: UInt64 = 0
    var negativeLatencies: UInt64 = 0
    var latency = LatencyHistogram()
    /// Since the start, when every connection of the loop had its response head / its first event.
    var allEstablished: TimeAmount?
    var allFirstEvent: TimeAmount?
    var end: TimeAmount = .zero
    /// The first error of the run, which is most often the cause of the others.
    var firstError: String?

    mutating func merge(_ other: LoadTally) {
        opened += other.opened
        tcpConnections += other.tcpConnections
        established += other.established
        connectErrors += other.connectErrors
        httpErrors += other.httpErrors
        closedEarly += other.closedEarly
        protocolErrors += other.protocolErrors
        firstEvents += other.firstEvents
        events += other.events
        eventsWithoutTimestamp += other.eventsWithoutTimestamp
        bytes += other.bytes
        windowEvents += other.windowEvents
        windowBytes += other.windowBytes
        negativeLatencies += other.negativeLatencies
        latency.merge(other.latency)
        allEstablished = Self.later(allEstablished, other.allEstablished)
        allFirstEvent = Self.later(allFirstEvent, other.allFirstEvent)
        end = max(end, other.end)
        firstError = firstError ?? other.firstError
    }

    /// The later of two times, or nil when either never came.
    private static func later(_ one: TimeAmount?, _ other: TimeAmount?) -> TimeAmount? {
        guard let one, let other else { return nil }
        return max(one, other)
    }
}

/// One loop's meter. Every connection of the loop reports to it; `ReadMeter` stamps each read
/// with the time, so that an event's latency is taken right after the read that brought it, as
/// `ssebench` takes it.
final class LoopMeter {
    /// How many streams this loop opens.
    let share: Int
    let start: NIODeadline
    let windowStart: NIODeadline
    private(set) var tally = LoadTally()

    /// The current read's wall-clock time in microseconds, and whether it is past the warm-up.
    private var readWallClock: Int64 = 0
    private var readInWindow = false
    private var readTime: NIODeadline

    init(share: Int, start: NIODeadline, windowStart: NIODeadline) {
        self.share = share
        self.start = start
        self.windowStart = windowStart
        readTime = start
        // A loop with nothing to open has nothing to wait for.
        if share == 0 {
            tally.allEstablished = .zero
            tally.allFirstEvent = .zero
        }
    }

    func read(byteCount: Int) {
        readTime = .now()
        readWallClock = WallClock.microseconds()
        readInWindow = readTime >= windowStart
        tally.bytes += UInt64(byteCount)
        if readInWindow { tally.windowBytes += UInt64(byteCount) }
    }

    /// Streams that have ended one way or another.
    var ended: Int { tally.connectErrors + tally.httpErrors + tally.closedEarly }

    func opened() { tally.opened += 1 }
    func tcpConnectionOpened() { tally.tcpConnections += 1 }

    func established() {
        tally.established += 1
        if tally.established == share { tally.allEstablished = readTime - start }
    }

    func failed(connecting: Bool, _ error: String) {
        if connecting { tally.connectErrors += 1 } else { tally.httpErrors += 1 }
        note(error)
    }

    func closedEarly() { tally.closedEarly += 1 }

    func protocolError(_ error: String) {
        tally.protocolErrors += 1
        note(error)
    }

    /// Keeps `error` if it is the loop's first.
    func note(_ error: String) {
        if tally.firstError == nil { tally.firstError = error }
    }

    func firstEvent() {
        tally.firstEvents += 1
        if tally.firstEvents == share { tally.allFirstEvent = readTime - start }
    }

    /// One event, its data as dispatched.
    func event(data: String) {
        tally.events += 1
        if readInWindow { tally.windowEvents += 1 }
        guard let stamp = Self.timestamp(data) else {
            tally.eventsWithoutTimestamp += 1
            return
        }
        guard readInWindow else {
            return
        }
        let latency = readWallClock - stamp
        if latency < 0 { tally.negativeLatencies += 1 }
        tally.latency.record(UInt64(max(0, latency)))
    }

    /// The result at the end of the run.
    func finish() -> LoadTally {
        tally.end = .now() - start
        return tally
    }

    /// The CLOCK_REALTIME microseconds `data` starts with: 15 or more digits, between 10^15
    /// and 10^17 (years 2001 to 5138), as `ssebench` accepts them.
    static func timestamp(_ data: String) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        for byte in data.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 else { break }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits >= 15 && value > 1_000_000_000_000_000 && value < 100_000_000_000_000_000 ? value : nil
    }
}
