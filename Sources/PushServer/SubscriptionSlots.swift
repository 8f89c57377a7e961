/// An endpoint's position in each topic's subscriber list, by the topic's slot.
///
/// A stream most often has one subscription (its path): it is kept inline, and
/// the others in a dictionary, which allocates nothing while empty. A dictionary
/// for the one cost each stream about 100 bytes.
struct SubscriptionSlots: Sequence {
    typealias Element = (topic: Int, position: Int)

    /// The first subscription; nil only while there is none (`others` is empty then).
    private var first: Element?
    private var others: [Int: Int] = [:]

    subscript(topic: Int) -> Int? {
        get {
            if let first, first.topic == topic { return first.position }
            return others[topic]
        }
        set {
            if let first, first.topic == topic {
                self.first = newValue.map { (topic, $0) } ?? others.popFirst().map { ($0.key, $0.value) }
            } else if first == nil, let newValue {
                first = (topic, newValue)
            } else {
                others[topic] = newValue
            }
        }
    }

    mutating func removeValue(forKey topic: Int) -> Int? {
        defer { self[topic] = nil }
        return self[topic]
    }

    func makeIterator() -> Iterator { Iterator(first: first, others: others.makeIterator()) }

    struct Iterator: IteratorProtocol {
        fileprivate var first: Element?
        fileprivate var others: [Int: Int].Iterator

        mutating func next() -> Element? {
            if let element = first {
                first = nil
                return element
            }
            return others.next().map { ($0.key, $0.value) }
        }
    }
}
