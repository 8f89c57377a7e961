/// The topics a client receives. Most clients receive one, their path, which is
/// kept inline (`InlineFirstDictionary`).
public struct TopicSet: Sequence {
    private var topics = InlineFirstDictionary<String, Void>()

    public init() {}

    public var isEmpty: Bool { topics.isEmpty }

    public func contains(_ topic: String) -> Bool { topics[topic] != nil }

    /// Adds `topic`; false if it was there.
    @discardableResult
    public mutating func insert(_ topic: String) -> Bool {
        guard topics[topic] == nil else { return false }
        topics[topic] = ()
        return true
    }

    /// Removes `topic`; false if it was not there.
    @discardableResult
    public mutating func remove(_ topic: String) -> Bool { topics.removeValue(forKey: topic) != nil }

    public func makeIterator() -> some IteratorProtocol<String> { topics.lazy.map(\.key).makeIterator() }
}
