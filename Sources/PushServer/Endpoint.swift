import NIOCore

/// A request the hub knows by its id, as the shard keeps it: a plain request
/// waiting for its response, or a stream with its subscriptions, heartbeat and
/// write budget. Owned by the shard and confined to its loop.
final class Endpoint {
    let id: Int
    let sink: any StreamSink
    /// Position in each topic's subscriber list, by the topic's slot (most often one: its path).
    var subscriptions = InlineFirstDictionary<Int, Int>()
    /// Position in the list of open streams, once open.
    var broadcastPosition: Int?
    /// Written to in the current batch: flushed at its end.
    var isDirty = false
    var lastWriteTick: UInt32
    var heartbeatTicks: UInt32
    var budget: WriteBudget
    /// Bytes the hub held for it and never handed over, when the hub found it too slow.
    var queuedInHub = 0
    /// Sweeps the stream may stay open before the server ends it (its stream's `timeout`).
    let lifetimeTicks: UInt32?
    /// The tick at which the stream opened.
    var openedTick: UInt32 = 0
    /// The largest random delay of each frame (its stream's `jitter`).
    let jitter: TimeAmount?
    /// What it holds back (a stall, jitter), while it holds anything or may.
    var held: HeldFrames?
    /// The next release of held frames, while one is scheduled, and when.
    var release: (task: Scheduled<Void>, at: NIODeadline)?
    /// Whether what it holds put it over its write budget.
    var heldOverBudget = false

    init(
        id: Int, sink: any StreamSink, tick: UInt32, heartbeatTicks: UInt32, budget: WriteBudget,
        lifetimeTicks: UInt32? = nil, jitter: TimeAmount? = nil
    ) {
        self.id = id
        self.sink = sink
        self.lastWriteTick = tick
        self.heartbeatTicks = heartbeatTicks
        self.budget = budget
        self.lifetimeTicks = lifetimeTicks
        self.jitter = jitter
        if let jitter { held = HeldFrames(jitter: jitter) }
    }

    var isOpen: Bool { broadcastPosition != nil }
}

@available(*, unavailable)
extension Endpoint: Sendable {}
