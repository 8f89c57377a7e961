import HeapModule
import NIOCore

/// The script loop's timers: sleeps and `sse.every`/`sse.after` ticks, kept in one
/// heap. One NIO task is scheduled, for the earliest; when it fires, everything
/// that is due runs in the same wake, so thousands of sleeping handlers cost one
/// wake-up, not one scheduled task each.
///
/// A deadline is rounded up to a multiple of its leeway (`leeway(after:)`): 1% of the
/// delay, at least a millisecond (the resolution of nginx's and node's timers) and at
/// most 10 ms, as the kernel's timer slack and GCD's leeway let timers run late.
/// Timers due within the same leeway share one wake-up and one batch of writes per
/// I/O loop, and none fires early.
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
        /// When it runs: `due` rounded up to its leeway.
        let deadline: NIODeadline
        /// When it was asked for: the order among timers sharing a wake.
        let due: NIODeadline
        let order: UInt64
        let generation: UInt64

        static func < (a: Entry, b: Entry) -> Bool {
            (a.deadline, a.due, a.order) < (b.deadline, b.due, b.order)
        }
        static func == (a: Entry, b: Entry) -> Bool { a.timer === b.timer && a.generation == b.generation }
    }

    let loop: EventLoop
    private var heap = Heap<Entry>()
    private var counter: UInt64 = 0
    /// The one NIO callback armed, for the earliest deadline (a callback, not a
    /// task: no promise is made per wake).
    private var wake: (callback: NIOScheduledCallback, deadline: NIODeadline)?
    /// Running what is due: the timers its actions arm are armed for once, after.
    private var isFiring = false

    init(loop: EventLoop) { self.loop = loop }

    /// The loop's clock (virtual on an `EmbeddedEventLoop`).
    var now: NIODeadline { loop.now }

    private static let resolution: UInt64 = 1_000_000
    private static let maximumLeeway: UInt64 = 10 * resolution

    /// How late a timer `delay` nanoseconds away may run: 1% of it, in whole
    /// milliseconds, from 1 to 10. Five thousand one-second sleeps then wake the loop
    /// a hundred times a second, not a thousand (tick5k: a quarter less CPU an event).
    static func leeway(after delay: UInt64) -> UInt64 {
        min(maximumLeeway, max(resolution, delay / 100 / resolution * resolution))
    }

    /// Runs `action` on the loop at `deadline` (at once if it has passed, but never
    /// inside this call).
    @discardableResult
    func schedule(at deadline: NIODeadline, _ action: @escaping () -> Void) -> Timer {
        let timer = Timer(reusable: false, action: action)
        arm(timer, at: deadline)
        return timer
    }

    @discardableResult
    func schedule(after delay: TimeAmount, _ action: @escaping () -> Void) -> Timer {
        let timer = Timer(reusable: false, action: action)
        arm(timer, after: delay)
        return timer
    }

    /// A timer to arm again and again (see `arm(_:at:)`), running `action` each time it is due.
    func makeReusableTimer(_ action: @escaping () -> Void) -> Timer {
        Timer(reusable: true, action: action)
    }

    /// Arms `timer` for `deadline`, replacing any earlier arming.
    func arm(_ timer: Timer, at deadline: NIODeadline) {
        let now = self.now
        arm(timer, due: deadline, delay: deadline > now ? deadline.uptimeNanoseconds - now.uptimeNanoseconds : 0)
    }

    func arm(_ timer: Timer, after delay: TimeAmount) {
        arm(timer, due: now + delay, delay: UInt64(max(0, delay.nanoseconds)))
    }

    /// Arms `timer` to run at `due` (`delay` from now) rounded up to its leeway: the
    /// clock is read once per arming, by the caller.
    private func arm(_ timer: Timer, due: NIODeadline, delay: UInt64) {
        loop.preconditionInEventLoop()
        let leeway = Self.leeway(after: delay)
        let deadline = NIODeadline.uptimeNanoseconds((due.uptimeNanoseconds + leeway - 1) / leeway * leeway)
        counter += 1
        timer.generation &+= 1
        timer.isArmed = true
        heap.insert(Entry(timer: timer, deadline: deadline, due: due, order: counter, generation: timer.generation))
        arm()
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
        guard !isFiring, let first = heap.min?.deadline else { return }
        if let wake, wake.deadline <= first { return }
        wake?.callback.cancel()
        // Fails only while the loop shuts down, when nothing is to run any more.
        wake = (try? loop.assumeIsolated().scheduleCallback(at: first, handler: self)).map { ($0, first) }
    }

    /// Runs everything due, then arms the callback once for what is left. (Armed by
    /// each action's sleep instead, the callback went for the next entry of the same
    /// wake, already due: a second wake that ran nothing, and a second callback
    /// scheduled, for every wake.)
    private func fire() {
        wake = nil
        isFiring = true
        defer {
            isFiring = false
            arm()
        }
        let now = self.now
        while let first = heap.min, first.deadline <= now {
            let entry = heap.removeMin()
            let timer = entry.timer
            guard timer.isArmed, entry.generation == timer.generation, let action = timer.action else { continue }
            timer.isArmed = false
            if !timer.isReusable { timer.action = nil }
            action()
        }
    }
}

extension Scheduler: NIOScheduledCallbackHandler {
    func handleScheduledCallback(eventLoop: some EventLoop) { fire() }
}

@available(*, unavailable)
extension Scheduler: Sendable {}
