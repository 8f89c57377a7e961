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
    /// A scheduled action; cancel it to make it a no-op.
    final class Timer {
        let deadline: NIODeadline
        fileprivate let order: UInt64
        fileprivate var action: (() -> Void)?

        fileprivate init(deadline: NIODeadline, order: UInt64, action: @escaping () -> Void) {
            self.deadline = deadline
            self.order = order
            self.action = action
        }

        var isCancelled: Bool { action == nil }
        func cancel() { action = nil }
    }

    private struct Entry: Comparable {
        let timer: Timer
        static func < (a: Entry, b: Entry) -> Bool {
            (a.timer.deadline, a.timer.order) < (b.timer.deadline, b.timer.order)
        }
        static func == (a: Entry, b: Entry) -> Bool { a.timer === b.timer }
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
        loop.preconditionInEventLoop()
        let resolution = Self.resolution
        let deadline = NIODeadline.uptimeNanoseconds(
            (deadline.uptimeNanoseconds + resolution - 1) / resolution * resolution)
        counter += 1
        let timer = Timer(deadline: deadline, order: counter, action: action)
        heap.insert(Entry(timer: timer))
        arm()
        return timer
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
        guard let first = heap.min?.timer.deadline else { return }
        if let wake, wake.deadline <= first { return }
        wake?.callback.cancel()
        // Fails only while the loop shuts down, when nothing is to run any more.
        wake = (try? loop.assumeIsolated().scheduleCallback(at: first, handler: self)).map { ($0, first) }
    }

    private func fire() {
        wake = nil
        let now = self.now
        while let first = heap.min, first.timer.deadline <= now {
            let timer = heap.removeMin().timer
            if let action = timer.action {
                timer.action = nil
                action()
            }
        }
        arm()
    }
}

extension Scheduler: NIOScheduledCallbackHandler {
    func handleScheduledCallback(eventLoop: some EventLoop) { fire() }
}

@available(*, unavailable)
extension Scheduler: Sendable {}
