import Logging
import NIOCore

/// The histories of every topic, bounded in time and in number.
///
/// A history lives while its topic is used: a publish with an id, a client
/// resuming from it, its last subscriber leaving. One unused for its time to live
/// (`history_ttl`, else `--history-ttl`) while nobody subscribes is dropped by
/// `expire`; past `maxTopics` histories, the least recently used one is dropped
/// to make room (and counted: `evicted`).
///
/// The histories sit in a slab of slots, in one list per time to live ordered by
/// last use (oldest first), so a use, an expiry and an eviction are each O(1):
/// the lists are few (the server's default and the streams' own), and the least
/// recently used history of all is at the head of one of them. Lives in the hub,
/// on its loop.
struct HistoryStore {
    private struct Slot {
        var topic: String
        var history: History
        var lastUse: NIODeadline
        /// Its list (its time to live, in nanoseconds).
        var ttl: Int64
        var previous = -1
        var next = -1
    }

    private struct List {
        var head = -1
        var tail = -1
    }

    /// At most this many histories are kept.
    let maxTopics: Int
    private var slots: [Slot?] = []
    private var freeSlots: [Int] = []
    private var slotOfTopic: [String: Int] = [:]
    private var lists: [Int64: List] = [:]
    /// Histories dropped to stay within `maxTopics`.
    private(set) var evicted = 0
    /// Where evictions are told (a warning, a few lines at a time).
    var logger: Logger?
    private let evictionLog = LogRateLimit()

    init(maxTopics: Int) {
        self.maxTopics = max(maxTopics, 1)
    }

    var count: Int { slotOfTopic.count }
    var topics: Dictionary<String, Int>.Keys { slotOfTopic.keys }

    /// The history of `topic`, if it has one (reading it is no use: see `touch`).
    subscript(topic: String) -> History? {
        slotOfTopic[topic].flatMap { slots[$0]?.history }
    }

    /// Keeps `frame` in `topic`'s history (made with `capacity` if it has none),
    /// which counts as a use. Returns the topic whose history was dropped to make
    /// room, if one was.
    mutating func append(
        _ frame: Frame, id: String, to topic: String, capacity: Int, ttl: TimeAmount, now: NIODeadline
    ) {
        if let slot = slotOfTopic[topic] {
            slots[slot]!.history.append(id: id, frame: frame)
            use(slot, now: now)
            return
        }
        if count >= maxTopics { evictLeastRecentlyUsed(for: topic) }
        var history = History(capacity: capacity)
        history.append(id: id, frame: frame)
        insert(Slot(topic: topic, history: history, lastUse: now, ttl: ttl.nanoseconds))
    }

    /// A use of `topic`'s history (a client resumed from it, its last subscriber left).
    mutating func touch(_ topic: String, now: NIODeadline) {
        if let slot = slotOfTopic[topic] { use(slot, now: now) }
    }

    /// Changes the capacity and time to live of `topic`'s history; a capacity of 0 drops it.
    mutating func configure(_ topic: String, capacity: Int, ttl: TimeAmount, now: NIODeadline) {
        guard let slot = slotOfTopic[topic] else { return }
        guard capacity > 0 else { return remove(topic) }
        slots[slot]!.history.resize(to: capacity)
        if slots[slot]!.ttl != ttl.nanoseconds {
            unlink(slot)
            slots[slot]!.ttl = ttl.nanoseconds
            slots[slot]!.lastUse = now
            link(slot)
        }
    }

    mutating func remove(_ topic: String) {
        guard let slot = slotOfTopic.removeValue(forKey: topic) else { return }
        unlink(slot)
        slots[slot] = nil
        freeSlots.append(slot)
        if slots.count > 1024, count < slots.count / 4 { compact() }
    }

    /// Rebuilds the slab and the index at their present size: Swift's arrays and
    /// dictionaries keep their capacity when emptied, so 200,000 histories gone
    /// would otherwise leave some 20 MB of empty slots behind.
    private mutating func compact() {
        let old = slots
        let oldLists = lists
        slots = []
        slots.reserveCapacity(count)
        freeSlots = []
        slotOfTopic = Dictionary(minimumCapacity: count)
        lists = [:]
        for list in oldLists.values {
            var index = list.head
            while index >= 0, var slot = old[index] {
                index = slot.next
                slot.previous = -1
                slot.next = -1
                insert(slot)
            }
        }
    }

    /// Drops every history unused for its time to live, unless its topic has
    /// subscribers (`isSubscribed`): those count as used now, and their time starts
    /// again when their last subscriber leaves. Returns how many were dropped.
    mutating func expire(now: NIODeadline, isSubscribed: (String) -> Bool) -> Int {
        var dropped = 0
        for ttl in Array(lists.keys) {
            while let head = lists[ttl]?.head, head >= 0, let slot = slots[head],
                now - slot.lastUse >= .nanoseconds(ttl)
            {
                if isSubscribed(slot.topic) {
                    use(head, now: now)
                } else {
                    remove(slot.topic)
                    dropped += 1
                }
            }
        }
        return dropped
    }

    // MARK: The lists

    private mutating func evictLeastRecentlyUsed(for topic: String) {
        let heads = lists.values.compactMap { $0.head >= 0 ? slots[$0.head] : nil }
        guard let oldest = heads.min(by: { $0.lastUse < $1.lastUse }) else { return }
        remove(oldest.topic)
        evicted += 1
        guard let logger, let leftOut = evictionLog.admit() else { return }
        let message =
            "history of topic \(oldest.topic) dropped to make room for \(topic): --max-topics \(maxTopics) histories"
            + " are kept, the least recently used goes (\(evicted) so far)"
        logger.warning("\(LogRateLimit.line(message, leftOut: leftOut))")
    }

    private mutating func insert(_ slot: Slot) {
        let index: Int
        if let free = freeSlots.popLast() {
            index = free
            slots[index] = slot
        } else {
            index = slots.count
            slots.append(slot)
        }
        slotOfTopic[slot.topic] = index
        link(index)
    }

    private mutating func use(_ slot: Int, now: NIODeadline) {
        slots[slot]!.lastUse = now
        guard lists[slots[slot]!.ttl]?.tail != slot else { return }
        unlink(slot)
        link(slot)
    }

    /// Puts `slot` at the tail of its list (the most recently used end).
    private mutating func link(_ slot: Int) {
        let ttl = slots[slot]!.ttl
        var list = lists[ttl] ?? List()
        slots[slot]!.previous = list.tail
        slots[slot]!.next = -1
        if list.tail >= 0 { slots[list.tail]!.next = slot } else { list.head = slot }
        list.tail = slot
        lists[ttl] = list
    }

    private mutating func unlink(_ slot: Int) {
        let ttl = slots[slot]!.ttl
        guard var list = lists[ttl] else { return }
        let (previous, next) = (slots[slot]!.previous, slots[slot]!.next)
        if previous >= 0 { slots[previous]!.next = next } else { list.head = next }
        if next >= 0 { slots[next]!.previous = previous } else { list.tail = previous }
        slots[slot]!.previous = -1
        slots[slot]!.next = -1
        if list.head < 0 { lists[ttl] = nil } else { lists[ttl] = list }
    }
}
