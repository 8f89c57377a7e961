import NIOCore
import Synchronization

/// The hub's instructions on their way to one shard: batches wait here, in order,
/// until the shard's loop takes them all at once.
///
/// The shard's loop is woken only when it is not already taking batches: while it
/// is busy (a fan-out to thousands of streams), later batches pile up here and it
/// takes them together when it comes back, so each stream gets several events in
/// one write instead of the loop falling behind one task at a time.
final class ShardInbox: Sendable {
    private struct State {
        var ops: [ShardOp] = []
        /// The shard has been asked to take what is here, or is taking it.
        var isDraining = false
    }

    private let state = Mutex(State())

    /// Adds a batch; true when the shard must be woken to take it.
    func deliver(_ batch: [ShardOp]) -> Bool {
        state.withLock { state in
            if state.ops.isEmpty { state.ops = batch } else { state.ops.append(contentsOf: batch) }
            defer { state.isDraining = true }
            return !state.isDraining
        }
    }

    /// Everything waiting, oldest first; empty (and the shard marked idle) when nothing is.
    func take() -> [ShardOp] {
        state.withLock { state in
            if state.ops.isEmpty { state.isDraining = false }
            defer { state.ops = [] }
            return state.ops
        }
    }
}
