import HeapModule
import NIOCore

/// The script loop's timers: sleeps and `sse.every`/`sse.after` ticks, kept in one
/// heap. One NIO task is scheduled, for the earliest; when it fires, everything
/// that is due runs in the same wake, so thousands of sleeping handlers cost one
/// wake-up, not one scheduled task each.
///
/// Deadlines are rounded up to the next millisecond (the resolution of nginx's and
/// node's timers): timers due within the same millisecond share one wake-up and one
/// batch of writes per I/O loop, and none fires early.
final class Scheduler {
    /// A scheduled action; cancel it to make it a no-op. A reusable timer (one a
    /// task keeps for all its sleeps) is armed again with `arm(_:at:)`, without a
    /// new timer or closure per wake-up.
    final class Timer {
        fileprivate let isReusable: Bool
        fileprivate var action: (() -> Void)?
        /// Bumped at each arming and cancel: heap entries of older ones are stale.
        fileprivate var generation: UInt64 = 0
        fileprivate var isArmed = false

        fileprivate init(reusable: Bool, action: @escaping () -> Void) {
            self.isReusable = reusable
            self.action = action
        }

        var isCancelled: Bool { !isArmed }

        func cancel() {
            isArmed = false
            generation &+= 1
            if !isReusable { action = nil }
        }
    }

    private struct Entry: Comparable {
        let timer: Timer
        let deadline: NIODeadline
        let order: UInt64
        let generation: UInt64

        static func < (a: Entry, b: Entry) -> Bool { (a.deadline, a.order) < (b.deadline, b.order) }
        static func == (a: Entry, b: Entry) -> Bool { a.timer === b.timer && a.generation == b.generation }
    }

    let loop: EventLoop
    private var heap = Heap<Entry>()
    private var counter: UInt64 = 0
    /// The one NIO callback armed, for the earliest deadline (a callback, not a
    /// task: no promise is made per wake).
    private var wake: (callback: NIOScheduledCallback, deadline: NIODeadline)?

    init(loop: EventLoop) { self.loop = loop }

    /// The loop's clock (virtual on an `EmbeddedEventLoop`).
    var now: NIODeadline { loop.now }

    /// Runs `action` on the loop at `deadline` (at once if it has passed, but never
    /// inside this call).
    static let resolution: UInt64 = 1_000_000

    @discardableResult
    func schedule(at deadline: NIODeadline, _ action: @escaping () -> Void) -> Timer {
        let timer = Timer(reusable: false, action: action)
        arm(timer, at: deadline)
        return timer
    }

    /// A timer to arm again and again (see `arm(_:at:)`), running `action` each time it is due.
    func makeReusableTimer(_ action: @escaping () -> Void) -> Timer {
        Timer(reusable: true, action: action)
    }

    /// Arms `timer` for `deadline`, replacing any earlier arming.
    func arm(_ timer: Timer, at deadline: NIODeadline) {
        loop.preconditionInEventLoop()
        let resolution = Self.resolution
        let deadline = NIODeadline.uptimeNanoseconds(
            (deadline.uptimeNanoseconds + resolution - 1) / resolution * resolution)
        counter += 1
        timer.generation &+= 1
        timer.isArmed = true
        heap.insert(Entry(timer: timer, deadline: deadline, order: counter, generation: timer.generation))
        arm()
    }

    func arm(_ timer: Timer, after delay: TimeAmount) {
        arm(timer, at: now + delay)
    }

    @discardableResult
    func schedule(after delay: TimeAmount, _ action: @escaping () -> Void) -> Timer {
        schedule(at: now + delay, action)
    }

    /// Drops every timer (a script being retired). Safe from any thread: a host
    /// may be released off its loop when the server never started.
    func cancelAll() {
        while let entry = heap.popMin() { entry.timer.cancel() }
        wake?.callback.cancel()
        wake = nil
    }

    var pendingCount: Int { heap.count }

    private func arm() {
        guard let first = heap.min?.deadline else { return }
        if let wake, wake.deadline <= first { return }
        wake?.callback.cancel()
        // Fails only while the loop shuts down, when nothing is to run any more.
        wake = (try? loop.assumeIsolated().scheduleCallback(at: first, handler: self)).map { ($0, first) }
    }

    private func fire() {
        wake = nil
        let now = self.now
        while let first = heap.min, first.deadline <= now {
            let entry = heap.removeMin()
            let timer = entry.timer
            guard timer.isArmed, entry.generation == timer.generation, let action = timer.action else { continue }
            timer.isArmed = false
            if !timer.isReusable { timer.action = nil }
            action()
        }
        arm()
    }
}

extension Scheduler: NIOScheduledCallbackHandler {
    func handleScheduledCallback(eventLoop: some EventLoop) { fire() }
}

@available(*, unavailable)
extension Scheduler: Sendable {}
