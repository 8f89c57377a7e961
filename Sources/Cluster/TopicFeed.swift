/// What one instance knows of one topic it has subscribers for: whether its pub/sub
/// notices go straight to the hub or wait for a read of the topic's stream, and the
/// newest stream entry delivered, so nothing is delivered twice or skipped at the
/// seam between the stream and the channel.
///
/// A state machine without I/O: the broker feeds it notices and the results of its
/// stream reads, and delivers what it returns, in that order.
struct TopicFeed {
    enum Phase: Equatable {
        /// Notices are held until the stream has been read (first subscriber, or the
        /// pub/sub link came back).
        case syncing
        /// Notices are delivered as they come, newer entries only.
        case live
    }

    /// How a read of the topic's stream after a reconnect turned out.
    enum CatchUp {
        /// The stream still holds the last entry delivered: these came after it.
        case continuing([TopicNotice])
        /// The stream no longer holds it (Redis restarted without its data, or trimmed
        /// more than a history while the link was down): this is all it holds now.
        case restarted([TopicNotice])
    }

    private(set) var phase: Phase = .syncing
    /// Whether the topic's history was read from Redis since its first subscriber came
    /// (a resuming client's replay waits for it).
    private(set) var isLoaded = false
    /// Whether the topic's stream was read (a topic without history goes live without:
    /// if a reload gives it one, its first read loads rather than catches up).
    private(set) var hasReadStream = false
    /// The newest stream entry delivered or loaded.
    private(set) var last: StreamEntryID?
    /// Notices that came while syncing, in order.
    private var held: [TopicNotice] = []
    /// Notices dropped because too many came while syncing.
    private(set) var overflowed = 0
    /// The most notices held while syncing; past it the oldest go (an entry of a stream
    /// is read back anyway; only an event without an id would be lost, and counted).
    let holdLimit: Int

    init(holdLimit: Int = 10_000) { self.holdLimit = holdLimit }

    /// A notice from the topic's channel: what to deliver now (nothing while syncing,
    /// nothing if its entry was delivered already).
    mutating func receive(_ notice: TopicNotice) -> TopicNotice? {
        guard phase == .live else {
            held.append(notice)
            if held.count > holdLimit {
                held.removeFirst(held.count - holdLimit)
                overflowed += 1
            }
            return nil
        }
        return accept(notice) ? notice : nil
    }

    /// The link came back (or the topic has no stream to read): hold notices until
    /// `loaded` or `caughtUp`.
    mutating func startSyncing() { phase = .syncing }

    /// The topic has no history: deliver what was held, and go live.
    mutating func goLive() -> [TopicNotice] {
        isLoaded = true
        return releaseHeld()
    }

    /// The first read of the stream (the topic's newest entries, oldest first): they
    /// become the history; then the notices held meanwhile that are newer.
    mutating func loaded(_ entries: [TopicNotice]) -> (history: [TopicNotice], deliver: [TopicNotice]) {
        if let newest = entries.last?.entry { last = newest }
        isLoaded = true
        hasReadStream = true
        return (entries, releaseHeld())
    }

    /// A read after a reconnect: what to deliver (entries after the last one, then the
    /// newer held notices), and whether the history must first be emptied because the
    /// stream it came from is gone.
    mutating func caughtUp(_ catchUp: CatchUp) -> (resetHistory: Bool, deliver: [TopicNotice]) {
        var deliver: [TopicNotice] = []
        let reset: Bool
        switch catchUp {
        case .continuing(let entries):
            reset = false
            for entry in entries where accept(entry) { deliver.append(entry) }
        case .restarted(let entries):
            reset = true
            last = nil
            for entry in entries where accept(entry) { deliver.append(entry) }
        }
        return (reset, deliver + releaseHeld())
    }

    /// Whether a notice is new: an entry newer than the last (which it becomes), or an
    /// event kept in no stream.
    private mutating func accept(_ notice: TopicNotice) -> Bool {
        guard let entry = notice.entry else { return true }
        if let last, entry <= last { return false }
        last = entry
        return true
    }

    private mutating func releaseHeld() -> [TopicNotice] {
        phase = .live
        let waiting = held
        held = []
        var deliver: [TopicNotice] = []
        for notice in waiting where accept(notice) { deliver.append(notice) }
        return deliver
    }
}
