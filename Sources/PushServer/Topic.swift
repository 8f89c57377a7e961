/// The subscribers of one topic, counted per I/O loop so a publish skips loops with none.
struct Topic {
    private(set) var subscribers: Set<Int> = []
    private(set) var perShard: [Int]

    init(shardCount: Int) { perShard = Array(repeating: 0, count: shardCount) }

    mutating func add(_ client: Client) {
        if subscribers.insert(client.id).inserted { perShard[client.shard] += 1 }
    }

    /// False if it was not a subscriber.
    mutating func remove(_ client: Client) -> Bool {
        guard subscribers.remove(client.id) != nil else { return false }
        perShard[client.shard] -= 1
        return true
    }
}
