/// How many open streams subscribe to one topic, in all and per I/O loop, so a
/// publish skips loops with none. Counts only: which clients subscribe is in each
/// `Client.topics`, and the hub counts a client here exactly while it is open with
/// the topic among its topics (so a million subscribers cost no set of a million ids).
struct Topic {
    private(set) var perShard: [Int]

    init(shardCount: Int) { perShard = Array(repeating: 0, count: shardCount) }

    /// One sum over the I/O loops, a handful of them.
    var count: Int { perShard.reduce(0, +) }
    var isEmpty: Bool { !perShard.contains { $0 > 0 } }

    /// Counts one more subscriber on `shard`; true if it is the topic's first (the
    /// other loops are looked at only when this one had none).
    mutating func add(onShard shard: Int) -> Bool {
        let first = perShard[shard] == 0 && isEmpty
        perShard[shard] += 1
        return first
    }
    mutating func remove(fromShard shard: Int) { perShard[shard] -= 1 }
}
