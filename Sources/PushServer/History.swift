/// The last events of one topic that carry an id, kept for clients that come back
/// with `Last-Event-ID`.
///
/// A ring of at most `capacity` frames, oldest dropped first. Each id maps to the
/// sequence number of its newest occurrence, so finding where a client left off is
/// one dictionary lookup. Lives in the hub, on its control loop.
struct History {
    private struct Entry {
        let id: String
        let frame: Frame
    }

    private(set) var capacity: Int
    /// The entries in ring order: the oldest at `head` once the ring is full.
    private var entries: [Entry] = []
    private var head = 0
    /// The newest sequence number of each id held.
    private var sequenceOfID: [String: Int] = [:]
    /// The sequence number the next entry gets.
    private var end = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 0)
    }

    var count: Int { entries.count }
    private var start: Int { end - entries.count }

    /// Keeps `frame` under `id`, dropping the oldest entry when full.
    mutating func append(id: String, frame: Frame) {
        guard capacity > 0 else { return }
        if entries.count < capacity {
            entries.append(Entry(id: id, frame: frame))
        } else {
            let evicted = entries[head]
            if sequenceOfID[evicted.id] == start { sequenceOfID[evicted.id] = nil }
            entries[head] = Entry(id: id, frame: frame)
            head = (head + 1) % capacity
        }
        sequenceOfID[id] = end
        end += 1
    }

    /// The frames after the newest event with `id`, oldest first; nil when no held
    /// event has that id (it was evicted, or never published here).
    func frames(after id: String) -> [Frame]? {
        guard let sequence = sequenceOfID[id] else { return nil }
        return (sequence + 1..<end).map { entry(at: $0).frame }
    }

    /// Every frame held, oldest first.
    var frames: [Frame] { (start..<end).map { entry(at: $0).frame } }

    /// Changes the capacity, keeping the newest entries that fit.
    mutating func resize(to newCapacity: Int) {
        let newCapacity = max(newCapacity, 0)
        guard newCapacity != capacity else { return }
        let kept = (max(start, end - newCapacity)..<end).map { entry(at: $0) }
        capacity = newCapacity
        entries = kept
        head = 0
        sequenceOfID = [:]
        for (offset, entry) in kept.enumerated() { sequenceOfID[entry.id] = end - kept.count + offset }
    }

    private func entry(at sequence: Int) -> Entry {
        entries[(head + sequence - start) % entries.count]
    }
}
