/// A request the hub knows by its id, as the shard keeps it: a plain request
/// waiting for its response, or a stream with its subscriptions, heartbeat and
/// write budget. Owned by the shard and confined to its loop.
final class Endpoint {
    let id: Int
    let sink: any StreamSink
    /// Position in each topic's subscriber list, by topic.
    var subscriptions: [String: Int] = [:]
    /// Position in the list of open streams, once open.
    var broadcastPosition: Int?
    /// Written to in the current batch: flushed at its end.
    var isDirty = false
    var lastWriteTick: UInt32
    var heartbeatTicks: UInt32
    var budget: WriteBudget
    /// Bytes the hub held for it and never handed over, when the hub found it too slow.
    var queuedInHub = 0

    init(id: Int, sink: any StreamSink, tick: UInt32, heartbeatTicks: UInt32, budget: WriteBudget) {
        self.id = id
        self.sink = sink
        self.lastWriteTick = tick
        self.heartbeatTicks = heartbeatTicks
        self.budget = budget
    }

    var isOpen: Bool { broadcastPosition != nil }
}

@available(*, unavailable)
extension Endpoint: Sendable {}
