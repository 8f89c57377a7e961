/// How many open streams subscribe to one topic, in all and per I/O loop, so a
/// publish skips loops with none. Counts only: which clients subscribe is in each
/// `Client.topics`, and the hub counts a client here exactly while it is open with
/// the topic among its topics (so a million subscribers cost no set of a million ids).
///
/// While it has subscribers a topic has a slot, the number the hub and the I/O
/// loops know it by (`ShardOp`): a loop finds a topic's subscribers by index, not
/// by hashing its name. The slot is used again once the topic has none; every
/// loop has seen its last subscriber go by then, since a loop drops a stream's
/// subscriptions before it tells the hub the stream is gone (and takes none for
/// a stream that is ending), and the hub's own unsubscriptions reach a loop in
/// order, before any later use of the slot.
struct Topic {
    let slot: Int
    private(set) var perShard: [Int]

    init(slot: Int, shardCount: Int) {
        self.slot = slot
        perShard = Array(repeating: 0, count: shardCount)
    }

    /// One sum over the I/O loops, a handful of them.
    var count: Int { perShard.reduce(0, +) }
    var isEmpty: Bool { !perShard.contains { $0 > 0 } }

    /// Counts one more subscriber on `shard`: whether it is the topic's first (the
    /// other loops are looked at only when this one had none), and the topic's
    /// slot, for a caller that reaches it through a dictionary's default.
    mutating func add(onShard shard: Int) -> (first: Bool, slot: Int) {
        let first = perShard[shard] == 0 && isEmpty
        perShard[shard] += 1
        return (first, slot)
    }
    mutating func remove(fromShard shard: Int) { perShard[shard] -= 1 }
}

/// The slots of the topics that have subscribers: a freed one first, so the I/O
/// loops' tables of them stay as long as the most topics ever subscribed at once.
struct TopicSlots {
    private var free: [Int] = []
    private var next = 0

    mutating func take() -> Int {
        if let slot = free.popLast() { return slot }
        defer { next += 1 }
        return next
    }

    mutating func give(_ slot: Int) { free.append(slot) }
}
