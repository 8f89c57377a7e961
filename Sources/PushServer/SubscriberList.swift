/// The streams subscribed to one topic (or every open stream), in an array for a
/// fast fan-out. Each endpoint remembers its position, so removal is a swap with
/// the last.
struct SubscriberList: Sequence {
    private var members: ContiguousArray<Endpoint> = []

    var isEmpty: Bool { members.isEmpty }
    var count: Int { members.count }

    func makeIterator() -> ContiguousArray<Endpoint>.Iterator { members.makeIterator() }

    mutating func add(_ endpoint: Endpoint, topic: Int) {
        endpoint.subscriptions[topic] = members.count
        members.append(endpoint)
    }

    /// Removes the member at `position`, whose endpoint has already dropped `topic`:
    /// the last member takes its place.
    mutating func remove(at position: Int, topic: Int) {
        let last = members.removeLast()
        if position < members.count {
            members[position] = last
            last.subscriptions[topic] = position
        }
    }

    /// Adds an opened stream to the list of every open stream.
    mutating func addOpen(_ endpoint: Endpoint) {
        endpoint.broadcastPosition = members.count
        members.append(endpoint)
    }

    mutating func removeOpen(_ endpoint: Endpoint) {
        guard let index = endpoint.broadcastPosition else { return }
        endpoint.broadcastPosition = nil
        let last = members.removeLast()
        if index < members.count {
            members[index] = last
            last.broadcastPosition = index
        }
    }
}
