import EventStream
import LuaRuntime
import NIOCore
import PushServer

/// A recording played back (`sse.replay`): its events go to a topic or to one
/// client at the times they were recorded (scaled by `speed`), from `from` on,
/// once or in a loop. It runs on the scheduler, one wake per due time, so it
/// never blocks the script loop; every event due at a wake goes out in it.
///
/// Confined to the script loop.
final class Replay {
    /// Where the events go.
    enum Target {
        case topic(String)
        case client(Client)
    }

    /// How it plays; what `sse.replay`'s option table says.
    struct Playback {
        /// Events per recorded second; 2 plays twice as fast.
        var speed = 1.0
        /// Starts again after the end, until cancelled.
        var loops = false
        /// Where in the recording it starts: earlier events are skipped.
        var from: Duration = .zero
    }

    let id: Int
    /// Each event and when it is due, from the start of a round.
    private let schedule: [(offset: TimeAmount, event: ServerSentEvent)]
    /// How long one round lasts (the next starts after it), when looping.
    private let period: TimeAmount
    private let loops: Bool
    private let target: Target
    private let hub: Hub
    private let scheduler: Scheduler
    /// Tells the script's error log why a publish failed (a cluster without Redis).
    private let report: (String) -> Void
    private var next = 0
    private var roundStart: NIODeadline
    private var timer: Scheduler.Timer?
    private var waiters: [TaskWaker] = []
    /// Why it ended: nil while it plays, then `"finished"`, `"cancelled"` or `"client gone"`.
    private(set) var outcome: String?
    /// The handle's userdata, anchored while it plays.
    var object: LuaReference?

    /// Scales the recording's times; `period` is the recording's length from its start.
    init(
        id: Int, events: [(time: Duration, event: ServerSentEvent)], period: Duration, playback: Playback,
        target: Target, hub: Hub, scheduler: Scheduler, report: @escaping (String) -> Void
    ) {
        self.id = id
        let scale = { (time: Duration) in TimeAmount.nanoseconds(Int64(Double(time.nanoseconds) / playback.speed)) }
        schedule = events.filter { $0.time >= playback.from }.map { (scale($0.time - playback.from), $0.event) }
        self.period = scale(period - playback.from)
        loops = playback.loops
        self.target = target
        self.hub = hub
        self.scheduler = scheduler
        self.report = report
        roundStart = scheduler.now
        arm()
    }

    /// Stops it; what is waiting for it gets `nil, "cancelled"`.
    func cancel() {
        guard outcome == nil else { return }
        finish("cancelled")
    }

    /// Stops it if it plays to the client `id`, which is gone.
    func clientGone(_ id: Int) {
        guard outcome == nil, case .client(let client) = target, client.id == id else { return }
        finish("client gone")
    }

    /// Resumes the waker's task once it ends (at once if it has).
    func wait(_ waker: TaskWaker) {
        guard outcome == nil else { return wake(waker) }
        waiters.append(waker)
    }

    // MARK: Playing

    private func arm() {
        guard next < schedule.count else {
            // A loop starts again after the round's length; otherwise it is over.
            guard loops, !schedule.isEmpty, period > .zero else { return finish("finished") }
            roundStart = roundStart + period
            next = 0
            return arm()
        }
        timer = scheduler.schedule(at: roundStart + schedule[next].offset) { [unowned self] in play() }
    }

    private func play() {
        timer = nil
        let now = scheduler.now
        while outcome == nil, next < schedule.count, roundStart + schedule[next].offset <= now {
            deliver(schedule[next].event)
            next += 1
        }
        if outcome == nil { arm() }
    }

    private func deliver(_ event: ServerSentEvent) {
        switch target {
        case .topic(let topic):
            do {
                try hub.publish(event, to: topic)
            } catch {
                report("sse.replay to \(topic): \(error)")
            }
        case .client(let client):
            guard (try? hub.send(event, to: client)) == true else { return finish("client gone") }
        }
    }

    private func finish(_ outcome: String) {
        self.outcome = outcome
        timer?.cancel()
        timer = nil
        let waiting = waiters
        waiters = []
        for waker in waiting { wake(waker) }
        object = nil
    }

    /// `true` once it played to its end, or `nil, reason`.
    private func wake(_ waker: TaskWaker) {
        let outcome = self.outcome
        waker.resume { stack in
            guard outcome != "finished" else {
                stack.push(true)
                return 1
            }
            stack.pushNil()
            stack.push(outcome ?? "cancelled")
            return 2
        }
    }
}

@available(*, unavailable)
extension Replay: Sendable {}

/// The replays of one script, by the id of their handle: kept while they play
/// and, once over, while the script holds the handle (so `:wait()` can still say
/// how it ended).
final class Replays {
    static let metatable = "ssescript.replay"

    private var replays: [Int: Replay] = [:]
    private var nextID = 1
    /// Ids of handles Lua has collected, noted by `__gc`, tidied by the next `add`.
    private var collected: [Int] = []

    subscript(id: Int) -> Replay? { replays[id] }

    /// An id for the next replay.
    func makeID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    func add(_ replay: Replay) {
        for id in collected where replays[id]?.outcome != nil { replays[id] = nil }
        collected = []
        replays[replay.id] = replay
    }

    /// The client `id` is gone: replays to it stop.
    func clientGone(_ id: Int) {
        for replay in replays.values { replay.clientGone(id) }
    }

    /// Notes that Lua collected the handle of replay `id` (called from `__gc`, so nothing is freed here).
    func noteCollected(_ id: Int) { collected.append(id) }

    /// Forgets every replay (the script is retired; the scheduler is cancelled separately).
    func removeAll() {
        replays = [:]
        collected = []
    }
}

@available(*, unavailable)
extension Replays: Sendable {}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
