/// A dictionary that keeps its first entry inline and the others in a `Dictionary`,
/// which allocates nothing while empty: for what most streams have one of (a
/// client's topics, a stream's subscriptions), where a set or a dictionary for the
/// one cost each stream about 100 bytes.
struct InlineFirstDictionary<Key: Hashable, Value>: Sequence {
    typealias Element = (key: Key, value: Value)

    /// The first entry; nil only while there is none (`others` is empty then).
    private var first: Element?
    private var others: [Key: Value] = [:]

    var isEmpty: Bool { first == nil }

    subscript(key: Key) -> Value? {
        get {
            if let first, first.key == key { return first.value }
            return others[key]
        }
        set {
            if let first, first.key == key {
                self.first = newValue.map { (key, $0) } ?? others.popFirst()
            } else if first == nil, let newValue {
                first = (key, newValue)
            } else {
                others[key] = newValue
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        defer { self[key] = nil }
        return self[key]
    }

    func makeIterator() -> Iterator { Iterator(first: first, others: others.makeIterator()) }

    struct Iterator: IteratorProtocol {
        fileprivate var first: Element?
        fileprivate var others: [Key: Value].Iterator

        mutating func next() -> Element? {
            if let element = first {
                first = nil
                return element
            }
            return others.next()
        }
    }
}
