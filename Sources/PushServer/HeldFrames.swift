import NIOCore

/// What one stream holds back instead of writing it at once: everything while it
/// is stalled (`Hub.stall`), and each frame for a random delay when its stream has
/// `jitter`. The frames are the shared encoded buffers (kept, never copied); they
/// go out in order, each once it is due and the stall is over, and the end of the
/// stream waits behind them. Owned by the shard's endpoint, confined to its loop.
///
/// A class: few streams ever hold anything, and inline, as an optional struct, it
/// made every stream's endpoint 64 bytes larger.
final class HeldFrames {
    enum Item {
        case frame(Frame)
        /// The end of the stream, behind the frames held before it.
        case end
    }

    private var items = CircularBuffer<(item: Item, due: NIODeadline)>()
    /// Bytes of the frames held: they count against the stream's write budget.
    private(set) var bytes = 0
    /// Nothing goes out before this.
    private(set) var stalledUntil: NIODeadline?
    /// The largest random delay of each frame; nil without jitter.
    let jitter: TimeAmount?
    /// When the last item held is due: a later one is never due before it.
    private var lastDue: NIODeadline = .uptimeNanoseconds(0)

    init(jitter: TimeAmount? = nil) {
        self.jitter = jitter
    }

    var isEmpty: Bool { items.isEmpty }

    /// Whether it has nothing to do any more: nothing held, no stall, no jitter.
    func isIdle(at now: NIODeadline) -> Bool {
        items.isEmpty && jitter == nil && (stalledUntil.map { $0 <= now } ?? true)
    }

    /// Holds `item`, due after its random delay (if any) and never before the one before it.
    func hold(_ item: Item, now: NIODeadline) {
        var due = now
        if let jitter, jitter.nanoseconds > 0, case .frame = item {
            due = now + .nanoseconds(Int64.random(in: 0...jitter.nanoseconds))
        }
        due = max(due, lastDue)
        lastDue = due
        if case .frame(let frame) = item { bytes += frame.payload.readableBytes }
        items.append((item, due))
    }

    /// Holds everything until `deadline` (a later stall replaces an earlier one).
    func stall(until deadline: NIODeadline) {
        stalledUntil = deadline
    }

    /// When the first item may go, if anything is held.
    var nextRelease: NIODeadline? {
        guard let first = items.first else { return nil }
        return max(first.due, stalledUntil ?? first.due)
    }

    /// Takes the items that may go at `now` (all of them with `everything`), in order.
    func takeDue(at now: NIODeadline, everything: Bool = false) -> [Item] {
        if !everything, let stalledUntil, stalledUntil > now { return [] }
        var due: [Item] = []
        while let first = items.first, everything || first.due <= now {
            items.removeFirst()
            if case .frame(let frame) = first.item { bytes -= frame.payload.readableBytes }
            due.append(first.item)
        }
        return due
    }
}

@available(*, unavailable)
extension HeldFrames: Sendable {}
