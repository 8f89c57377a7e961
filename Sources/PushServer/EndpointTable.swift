/// A shard's endpoints by id, in slots. An id names its slot, so finding an
/// endpoint is one index into an array instead of a hash into a table that, with
/// a million clients, misses the cache at each of its three arrays.
///
/// An id is `serial * shardCount + shard`, and a serial is `generation << slotBits
/// | slot`. A freed slot is used again under the next generation: ids stay unique
/// while the server runs, and an instruction for an id that is gone finds nothing.
struct EndpointTable {
    private static let slotBits = 24
    private static let slotMask = (1 << slotBits) - 1
    /// What a serial grows by when its slot is used again.
    private static let generation = 1 << slotBits

    private let shard: Int
    private let shardCount: Int
    private var slots: ContiguousArray<Endpoint?> = []
    /// The next serial of each free slot (its generation already bumped).
    private var free: [Int] = []
    private(set) var count = 0

    init(shard: Int, of shardCount: Int) {
        self.shard = shard
        self.shardCount = shardCount
    }

    /// The id the next `insert` takes.
    var nextID: Int { (free.last ?? slots.count) * shardCount + shard }

    /// Puts `endpoint`, made with `nextID`, in its slot.
    mutating func insert(_ endpoint: Endpoint) {
        precondition(endpoint.id == nextID)
        count += 1
        guard let serial = free.popLast() else {
            precondition(slots.count <= Self.slotMask, "more endpoints on one loop than ids have slots for")
            return slots.append(endpoint)
        }
        slots[serial & Self.slotMask] = endpoint
    }

    subscript(id: Int) -> Endpoint? {
        let slot = (id / shardCount) & Self.slotMask
        guard slot < slots.count, let endpoint = slots[slot], endpoint.id == id else { return nil }
        return endpoint
    }

    /// Takes the endpoint of `id` out, and frees its slot for a new generation (a
    /// slot whose generations are used up, after billions of connections, is not
    /// used again).
    mutating func remove(_ id: Int) -> Endpoint? {
        guard let endpoint = self[id] else { return nil }
        let serial = id / shardCount
        slots[serial & Self.slotMask] = nil
        count -= 1
        if serial <= (Int.max - shard) / shardCount - Self.generation { free.append(serial + Self.generation) }
        return endpoint
    }

    var all: some Sequence<Endpoint> { slots.lazy.compactMap { $0 } }
}
