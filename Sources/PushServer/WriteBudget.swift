/// The slow-client rule for one stream: a stream may stay over its write budget
/// (unwritable) for `slowClientTimeout`, and may never leave more than twice its
/// budget waiting once the transport has taken what it could. Past either, it is
/// too slow: it is disconnected (and comes back with `Last-Event-ID`), never
/// buffered without bound.
struct WriteBudget {
    /// The budget in bytes (`--client-buffer`).
    let limit: Int
    /// Sweeps a stream may stay over its budget.
    let patience: UInt32
    /// The tick at which the stream went over its budget, while it is.
    private(set) var overSince: UInt32?
    /// Found too slow; nothing more is written to it.
    private(set) var isSlow = false

    init(limit: Int, patience: UInt32) {
        self.limit = limit
        self.patience = patience
    }

    /// The transport's writability changed (it crossed its water marks).
    mutating func writabilityChanged(isWritable: Bool, tick: UInt32) {
        overSince = isWritable ? nil : (overSince ?? tick)
    }

    /// After a flush that left `waiting` bytes queued (nil: it kept up). True when
    /// that makes the stream too slow.
    mutating func flushed(waiting: Int?, tick: UInt32) -> Bool {
        guard let waiting else { return false }
        if overSince == nil { overSince = tick }
        return waiting > 2 * limit && markSlow()
    }

    /// At a sweep: true when the stream has been over its budget too long.
    mutating func check(tick: UInt32) -> Bool {
        guard let since = overSince, tick &- since >= patience else { return false }
        return markSlow()
    }

    /// Marks the stream too slow (the hub found it so); true the first time only.
    mutating func markSlow() -> Bool {
        guard !isSlow else { return false }
        isSlow = true
        return true
    }
}
