import CoreMetrics
import Logging
import LuaRuntime
import NIOCore
import PushServer

/// A coroutine the host runs: a stream handler, a timer callback or an HTTP
/// handler. It sleeps through the scheduler and ends when its coroutine does.
final class ScriptTask {
    enum Purpose {
        case stream(Session)
        case timer(ScriptTimer)
        case request(Exchange, path: String)
        /// A `client:on_close` function, run once the client is gone.
        case departure(Session)
    }

    let coroutine: LuaCoroutine
    let purpose: Purpose
    /// Its wake-up, made at its first sleep and armed again for each one after.
    fileprivate var wake: Scheduler.Timer?
    /// Asleep until `wake` fires.
    fileprivate var isSleeping: Bool { wake.map { !$0.isCancelled } ?? false }
    /// Suspended until a `TaskWaker` brings its results (a Redis reply, prepared keys).
    fileprivate(set) var awaitsResults = false
    /// What it waits for decides whether its stream starts (see `suspendCurrent`).
    fileprivate(set) var holdsClientPending = false
    private(set) var isEnded = false

    init(_ coroutine: LuaCoroutine, purpose: Purpose) {
        self.coroutine = coroutine
        self.purpose = purpose
    }

    /// A stream handler whose client is gone has nothing left to do.
    var isObsolete: Bool {
        if case .stream(let session) = purpose { return !session.client.isConnected }
        return false
    }

    /// The fields of its log lines: the client and path of a stream handler, a handler's path.
    var logMetadata: Logger.Metadata {
        switch purpose {
        case .stream(let session), .departure(let session):
            ["client": "\(session.client.id)", "path": "\(session.client.request.path)"]
        case .timer(let timer): ["timer": "\(timer.id)"]
        case .request(_, let path): ["path": "\(path)"]
        }
    }

    /// Where it runs, for log lines.
    var context: String {
        switch purpose {
        case .stream(let session): "stream \(session.client.request.path) (client \(session.client.id))"
        case .timer(let timer): "timer \(timer.id)"
        case .request(_, let path): "handler \(path)"
        case .departure(let session): "on_close of client \(session.client.id)"
        }
    }

    /// Stops it for good: cancels its wake-up and closes its coroutine.
    func end() {
        guard !isEnded else { return }
        isEnded = true
        wake?.cancel()
        wake = nil
        coroutine.close()
    }
}

@available(*, unavailable)
extension ScriptTask: Sendable {}

/// What becomes of a task that ran to its end or failed: the script VM answers
/// its request, closes its stream, or logs its error.
protocol TaskOutcomes: AnyObject {
    func taskCompleted(_ task: ScriptTask, resultCount: Int32)
    func taskFailed(_ task: ScriptTask, _ error: LuaError)
    /// It yielded and goes on later: asleep, or waiting for a result.
    func taskPaused(_ task: ScriptTask)
}

/// Runs the script's tasks: starts and resumes their coroutines, puts them to
/// sleep and wakes them through the scheduler, and ends them. The run budget and
/// memory cap are the Lua state's; their errors come back as failures.
final class TaskRunner {
    private let lua: LuaState
    private let scheduler: Scheduler
    /// `ssescript_script_resume_seconds`, when metrics are recorded.
    private let resumeTimer: CoreMetrics.Timer?
    weak var outcomes: TaskOutcomes?
    /// The task being resumed, if any: `sse.sleep` suspends it.
    private(set) var current: ScriptTask?
    /// Tasks started and not yet ended.
    private var tasks: [ObjectIdentifier: ScriptTask] = [:]

    init(lua: LuaState, scheduler: Scheduler, resumeTimer: CoreMetrics.Timer? = nil) {
        self.lua = lua
        self.scheduler = scheduler
        self.resumeTimer = resumeTimer
    }

    /// Starts a task whose function and `argumentCount` arguments are on its stack.
    func start(_ task: ScriptTask, argumentCount: Int32) {
        tasks[ObjectIdentifier(task)] = task
        resume(task, argumentCount: argumentCount)
    }

    private func resume(_ task: ScriptTask, argumentCount: Int32 = 0) {
        guard !task.isEnded, !lua.isClosed else { return }
        task.wake?.cancel()
        let outer = current
        current = task
        let started = resumeTimer == nil ? 0 : NIODeadline.now().uptimeNanoseconds
        let outcome = task.coroutine.resume(argumentCount: argumentCount)
        if let resumeTimer { resumeTimer.recordNanoseconds(NIODeadline.now().uptimeNanoseconds &- started) }
        current = outer
        switch outcome {
        case .hostYield:
            if task.isObsolete || (!task.isSleeping && !task.awaitsResults) { return finish(task) }
            outcomes?.taskPaused(task)
        case .yielded(let count):
            // A bare coroutine.yield() in a handler: give the loop a turn, then go on.
            task.coroutine.stack.pop(count)
            sleep(task, for: .zero)
            outcomes?.taskPaused(task)
        case .finished(let count):
            outcomes?.taskCompleted(task, resultCount: count)
            finish(task)
        case .failed(let error):
            outcomes?.taskFailed(task, error)
            finish(task)
            if error.kind == .memory { lua.collectGarbage() }
        }
    }

    /// Suspends the running task for `delay`; false outside a handler or timer.
    func sleepCurrent(for delay: TimeAmount) -> Bool {
        guard let task = current else { return false }
        if task.isObsolete { return true }
        sleep(task, for: delay)
        return true
    }

    private func sleep(_ task: ScriptTask, for delay: TimeAmount) {
        let wake = task.wake ?? scheduler.makeReusableTimer { [unowned self, unowned task] in resume(task) }
        task.wake = wake
        scheduler.arm(wake, after: delay)
    }

    /// Suspends the running task until the returned waker brings its results (what
    /// `sse.redis` or `sse.jwt.verify` wait for); nil outside a handler or timer.
    /// The caller then returns `.hostYield`. With `holdingClientPending`, a stream
    /// handler's client stays pending while it waits (a short wait for a result it
    /// decides on, so it can still deny the client); without, its stream starts, as
    /// at a sleep (a long wait, such as a replay's end).
    func suspendCurrent(holdingClientPending: Bool) -> TaskWaker? {
        guard let task = current else { return nil }
        task.awaitsResults = true
        task.holdsClientPending = holdingClientPending
        return TaskWaker(runner: self, task: task)
    }

    /// Resumes a task suspended by `suspendCurrent` with the values `push` puts on
    /// its stack (it returns how many): they are what the yielding call returns.
    fileprivate func resume(_ task: ScriptTask, pushing push: (LuaStack) -> Int32) {
        guard task.awaitsResults, !task.isEnded, !lua.isClosed else { return }
        task.awaitsResults = false
        task.holdsClientPending = false
        if task.isObsolete { return finish(task) }
        resume(task, argumentCount: push(task.coroutine.stack))
    }

    /// Ends a task now, or at its next yield if it is the one running.
    func stop(_ task: ScriptTask) {
        if task !== current { finish(task) }
    }

    func finish(_ task: ScriptTask) {
        tasks[ObjectIdentifier(task)] = nil
        if case .stream(let session) = task.purpose, session.task === task { session.task = nil }
        task.end()
    }

    /// Takes every unfinished task out (the script is retired): the caller ends them.
    func takeAll() -> [ScriptTask] {
        defer { tasks = [:] }
        return Array(tasks.values)
    }
}

@available(*, unavailable)
extension TaskRunner: Sendable {}

/// Wakes one suspended task with its results, once, on the script loop. Waking a
/// task that ended meanwhile (its client left, the script was reloaded) does nothing.
final class TaskWaker {
    private weak var runner: TaskRunner?
    private let task: ScriptTask
    private var isUsed = false

    fileprivate init(runner: TaskRunner, task: ScriptTask) {
        self.runner = runner
        self.task = task
    }

    /// `push` puts the results on the task's stack and returns how many.
    func resume(pushing push: (LuaStack) -> Int32) {
        guard !isUsed else { return }
        isUsed = true
        runner?.resume(task, pushing: push)
    }
}

@available(*, unavailable)
extension TaskWaker: Sendable {}
