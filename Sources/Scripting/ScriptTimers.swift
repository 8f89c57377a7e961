import LuaRuntime
import NIOCore

/// A timer made by `sse.every` or `sse.after`.
final class ScriptTimer {
    let id: Int
    let function: LuaFunction
    /// Nil for `sse.after` (fires once).
    let interval: TimeAmount?
    /// Runs on every instance of a cluster, not only on the one holding the timer lease.
    let everyInstance: Bool
    fileprivate var deadline: NIODeadline
    fileprivate var scheduled: Scheduler.Timer?
    /// The handle's userdata, anchored while the timer is live.
    var object: LuaReference?
    private(set) var isCancelled = false

    fileprivate init(id: Int, function: LuaFunction, interval: TimeAmount?, deadline: NIODeadline, everyInstance: Bool)
    {
        self.id = id
        self.function = function
        self.interval = interval
        self.deadline = deadline
        self.everyInstance = everyInstance
    }

    fileprivate func cancel() {
        isCancelled = true
        scheduled?.cancel()
        scheduled = nil
        object = nil
    }
}

@available(*, unavailable)
extension ScriptTimer: Sendable {}

/// The script's `sse.every` and `sse.after` timers: each fires on the scheduler
/// and runs its callback as a task. Repeating timers keep a fixed schedule: ticks
/// do not drift, and ticks missed while the loop was busy are skipped. In a cluster,
/// a tick of a timer that is not `everyInstance` runs only while this instance holds
/// the timer lease (`runsClusterTimers`); elsewhere it is skipped, on the same schedule.
final class ScriptTimers {
    static let metatable = "ssescript.timer"

    private let scheduler: Scheduler
    private let runner: TaskRunner
    private let lua: LuaState
    private var timers: [Int: ScriptTimer] = [:]
    private var nextID = 1
    /// Whether this instance runs the cluster's timers now (always, on its own).
    var runsClusterTimers: () -> Bool = { true }

    init(scheduler: Scheduler, runner: TaskRunner, lua: LuaState) {
        self.scheduler = scheduler
        self.runner = runner
        self.lua = lua
    }

    subscript(id: Int) -> ScriptTimer? { timers[id] }

    /// How many timers are running.
    var count: Int { timers.count }

    func add(_ function: LuaFunction, after delay: TimeAmount, repeating: Bool, everyInstance: Bool = true)
        -> ScriptTimer
    {
        let timer = ScriptTimer(
            id: nextID, function: function, interval: repeating ? delay : nil, deadline: scheduler.now + delay,
            everyInstance: everyInstance)
        nextID += 1
        timers[timer.id] = timer
        arm(timer)
        return timer
    }

    func cancel(_ timer: ScriptTimer) {
        timer.cancel()
        timers[timer.id] = nil
    }

    /// Drops every timer (the script is retired); the scheduler is cancelled separately.
    func removeAll() { timers = [:] }

    private func arm(_ timer: ScriptTimer) {
        timer.scheduled = scheduler.schedule(at: timer.deadline) { [unowned self] in fire(timer) }
    }

    private func fire(_ timer: ScriptTimer) {
        guard !timer.isCancelled else { return }
        let object = timer.object
        if let interval = timer.interval {
            timer.deadline = timer.deadline + interval
            let now = scheduler.now
            if timer.deadline <= now {
                timer.deadline =
                    timer.deadline + interval * ((now - timer.deadline).nanoseconds / interval.nanoseconds + 1)
            }
            arm(timer)
        } else {
            cancel(timer)
        }
        guard timer.everyInstance || runsClusterTimers() else { return }
        let task = ScriptTask(LuaCoroutine(timer.function, in: lua), purpose: .timer(timer))
        object?.push(onto: task.coroutine.stack)
        runner.start(task, argumentCount: object == nil ? 0 : 1)
    }
}

@available(*, unavailable)
extension ScriptTimers: Sendable {}
