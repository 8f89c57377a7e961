/// The topics a client receives.
///
/// Most clients receive one, their path: it is kept inline, and the others in a
/// set, which allocates nothing while empty. A set for the one cost each client
/// about 130 bytes.
public struct TopicSet: Sequence {
    /// The first topic; nil only while there is none (`others` is empty then).
    private var first: String?
    private var others: Set<String> = []

    public init() {}

    public var isEmpty: Bool { first == nil }

    public func contains(_ topic: String) -> Bool {
        first == topic || others.contains(topic)
    }

    /// Adds `topic`; false if it was there.
    @discardableResult
    public mutating func insert(_ topic: String) -> Bool {
        guard let first else {
            first = topic
            return true
        }
        return first != topic && others.insert(topic).inserted
    }

    /// Removes `topic`; false if it was not there.
    @discardableResult
    public mutating func remove(_ topic: String) -> Bool {
        guard first == topic else { return others.remove(topic) != nil }
        first = others.popFirst()
        return true
    }

    public func makeIterator() -> Iterator { Iterator(first: first, others: others.makeIterator()) }

    public struct Iterator: IteratorProtocol {
        fileprivate var first: String?
        fileprivate var others: Set<String>.Iterator

        public mutating func next() -> String? {
            if let topic = first {
                first = nil
                return topic
            }
            return others.next()
        }
    }
}
