/// How many open streams subscribe to one topic, in all and per I/O loop, so a
/// publish skips loops with none. Counts only: which clients subscribe is in each
/// `Client.topics`, and the hub counts a client here exactly while it is open with
/// the topic among its topics (so a million subscribers cost no set of a million ids).
struct Topic {
    private(set) var count = 0
    private(set) var perShard: [Int]

    init(shardCount: Int) { perShard = Array(repeating: 0, count: shardCount) }

    var isEmpty: Bool { count == 0 }

    mutating func add(onShard shard: Int) {
        count += 1
        perShard[shard] += 1
    }

    mutating func remove(fromShard shard: Int) {
        count -= 1
        perShard[shard] -= 1
    }
}
