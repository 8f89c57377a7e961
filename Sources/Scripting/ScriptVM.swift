import EventStream
import Logging
import LuaRuntime
import NIOCore
import NIOHTTP1
import PushServer

/// One loaded script: its Lua VM, what it declared (streams, handlers, timers), and
/// the coroutines it runs. A reload makes a new `ScriptVM` and retires the old one.
///
/// Confined to the script loop, like the hub it drives.
final class ScriptVM {
    /// An `sse.stream` declaration.
    struct StreamDeclaration {
        var handler: LuaFunction?
        var options: StreamOptions
    }

    let lua: LuaState
    let hub: Hub
    let scheduler: Scheduler
    let logger: Logger
    let errors: ErrorLog
    let scriptPath: String
    /// The directory `require` searches first.
    let scriptDirectory: String
    /// The Lua files in `scriptDirectory` the script has `require`d (watched for reloads).
    var requiredFiles: Set<String> = []

    var streams: [String: StreamDeclaration] = [:]
    var handlers: [String: [String: LuaFunction]] = [:]
    /// Stream clients, and clients gone whose userdata the script still holds
    /// (their fields stay readable until Lua collects it).
    var sessions: [Int: Session] = [:]
    /// Ids of client userdata Lua has collected, noted by `__gc`, tidied by `reap()`.
    var collectedClients: [Int] = []
    var timers: [Int: ScriptTimer] = [:]
    private var nextTimerID = 1
    /// The task being resumed, if any: `sse.sleep` suspends it.
    var current: ScriptTask?
    /// Tasks started and not yet ended.
    private var tasks: [ObjectIdentifier: ScriptTask] = [:]
    /// `cjson.encode`, for event data and response bodies given as tables.
    var jsonEncode: LuaFunction!
    /// Called when the declared routes change after loading.
    var routesChanged: (() -> Void)?

    init(scriptPath: String, options: ScriptOptions, hub: Hub, logger: Logger, errors: ErrorLog) throws(LuaError) {
        self.scriptPath = scriptPath
        self.hub = hub
        self.logger = logger
        self.errors = errors
        scheduler = Scheduler(loop: hub.loop)
        let directory = scriptPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/")
        scriptDirectory = directory.isEmpty ? "." : directory
        lua = try LuaState(
            .init(
                memoryLimit: options.memoryLimit,
                runLimit: options.timeout,
                libraries: options.sandbox ? .sandbox : .standard,
                searchPaths: [scriptDirectory],
                preload: ["cjson"]
            ))
        try installModule()
    }

    /// Runs the script's top level: its declarations.
    func load() throws(LuaError) {
        try lua.run(file: scriptPath)
    }

    /// The routes this script declares.
    var routes: RouteTable {
        RouteTable(
            streams: streams.mapValues(\.options),
            handlers: handlers.mapValues { Set($0.keys) }
        )
    }

    deinit { retire() }

    /// Stops everything it runs and closes its VM. Retiring twice is harmless. An HTTP
    /// request a handler was still working on gets `503` (it may be retried).
    func retire() {
        guard !lua.isClosed else { return }
        scheduler.cancelAll()
        timers = [:]
        let running = tasks.values
        tasks = [:]
        for task in running {
            if case .request(let exchange, _) = task.purpose {
                var response = Response(status: .serviceUnavailable, text: "the script was reloaded or stopped; retry")
                response.headers.append(("Retry-After", "1"))
                hub.respond(to: exchange, with: response)
            }
        }
        lua.close()
        for task in running { task.end() }
        sessions = [:]
    }

    // MARK: Clients

    /// Runs the stream handler for a client that connected (or, after a reload,
    /// that was already connected).
    func connect(_ client: Client, reloaded: Bool) {
        reap()
        guard let declaration = streams[client.request.path] else {
            if reloaded {
                hub.send(Frame(raw: ": stream \(client.request.path) no longer exists\n"), to: client)
                hub.close(client)
            } else {
                hub.deny(client, status: .notFound, message: "no stream at \(client.request.path)")
            }
            return
        }
        let session = Session(client: client, reloaded: reloaded)
        sessions[client.id] = session
        guard let handler = declaration.handler else { return }
        let task = ScriptTask(LuaCoroutine(handler, in: lua), purpose: .stream(session))
        session.task = task
        pushClient(session, on: task.coroutine.stack)
        start(task, argumentCount: 1)
    }

    func disconnected(_ client: Client) {
        reap()
        guard let session = sessions[client.id] else { return }
        forget(session)
    }

    /// Ends what a session runs once its client is gone or closed. A handler that
    /// is running now (it closed its own client) ends at its next yield.
    func forget(_ session: Session) {
        session.object = nil
        if !session.hasObject { sessions[session.client.id] = nil }
        if let task = session.task, task !== current { finish(task) }
    }

    /// Drops the sessions of departed clients whose userdata Lua has collected.
    private func reap() {
        guard !collectedClients.isEmpty else { return }
        let ids = collectedClients
        collectedClients = []
        for id in ids where sessions[id]?.client.isConnected == false { sessions[id] = nil }
    }

    /// Pushes the client's userdata (always the same one for the same client).
    func pushClient(_ session: Session, on stack: LuaStack) {
        if let object = session.object { return object.push(onto: stack) }
        session.hasObject = true
        stack.pushUserdata(id: session.client.id, metatable: Self.clientMetatable)
        stack.pushValue(at: -1)
        session.object = stack.reference()
    }

    // MARK: Tasks

    /// Starts a task whose function and `argumentCount` arguments are on its stack.
    func start(_ task: ScriptTask, argumentCount: Int32) {
        tasks[ObjectIdentifier(task)] = task
        resume(task, argumentCount: argumentCount)
    }

    func resume(_ task: ScriptTask, argumentCount: Int32 = 0) {
        guard !task.isEnded, !lua.isClosed else { return }
        task.wake = nil
        let outer = current
        current = task
        let outcome = task.coroutine.resume(argumentCount: argumentCount)
        current = outer
        switch outcome {
        case .hostYield:
            if task.isObsolete || task.wake == nil { finish(task) }
        case .yielded(let count):
            // A bare coroutine.yield() in a handler: give the loop a turn, then go on.
            task.coroutine.stack.pop(count)
            task.wake = scheduler.schedule(after: .zero) { [unowned self] in resume(task) }
        case .finished(let count):
            completed(task, resultCount: count)
        case .failed(let error):
            failed(task, error)
        }
    }

    /// Suspends the running task for `delay`; false outside a handler or timer.
    func sleepCurrent(for delay: TimeAmount) -> Bool {
        guard let task = current else { return false }
        if task.isObsolete { return true }
        task.wake = scheduler.schedule(after: delay) { [unowned self] in resume(task) }
        return true
    }

    private func completed(_ task: ScriptTask, resultCount: Int32) {
        if case .request(let exchange, let path) = task.purpose {
            let stack = task.coroutine.stack
            let base = stack.top - resultCount + 1
            do {
                hub.respond(to: exchange, with: try response(from: stack, at: base, count: resultCount))
            } catch {
                errors.error("script error in handler \(path): \(error)", now: scheduler.now)
                hub.respond(to: exchange, with: Response(status: .internalServerError, text: "script error"))
            }
        }
        finish(task)
    }

    private func failed(_ task: ScriptTask, _ error: LuaError) {
        errors.error("script error in \(task.context): \(error.message)", detail: error.traceback, now: scheduler.now)
        switch task.purpose {
        case .stream(let session):
            if !hub.deny(session.client, status: .internalServerError, message: "script error") {
                hub.close(session.client)
            }
            forget(session)
        case .request(let exchange, _):
            hub.respond(to: exchange, with: Response(status: .internalServerError, text: "script error"))
        case .timer:
            break
        }
        finish(task)
        if error.kind == .memory { lua.collectGarbage() }
    }

    private func finish(_ task: ScriptTask) {
        tasks[ObjectIdentifier(task)] = nil
        if case .stream(let session) = task.purpose, session.task === task { session.task = nil }
        task.end()
    }

    // MARK: Timers

    func addTimer(_ function: LuaFunction, after delay: TimeAmount, repeating: Bool) -> ScriptTimer {
        let timer = ScriptTimer(
            id: nextTimerID, function: function, interval: repeating ? delay : nil, deadline: scheduler.now + delay)
        nextTimerID += 1
        timers[timer.id] = timer
        arm(timer)
        return timer
    }

    private func arm(_ timer: ScriptTimer) {
        timer.scheduled = scheduler.schedule(at: timer.deadline) { [unowned self] in fire(timer) }
    }

    private func fire(_ timer: ScriptTimer) {
        guard !timer.isCancelled else { return }
        let object = timer.object
        if let interval = timer.interval {
            // A fixed schedule: ticks do not drift; ticks missed while the loop was busy are skipped.
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
        let task = ScriptTask(LuaCoroutine(timer.function, in: lua), purpose: .timer(timer))
        object?.push(onto: task.coroutine.stack)
        start(task, argumentCount: object == nil ? 0 : 1)
    }

    func cancel(_ timer: ScriptTimer) {
        timer.cancel()
        timers[timer.id] = nil
    }

    // MARK: HTTP handlers

    func handle(_ request: Request, exchange: Exchange) {
        guard let function = handlers[request.path]?[request.method.rawValue] else {
            return hub.respond(to: exchange, with: Response(status: .notFound, text: "no handler at \(request.path)"))
        }
        let task = ScriptTask(LuaCoroutine(function, in: lua), purpose: .request(exchange, path: request.path))
        pushRequest(request, on: task.coroutine.stack)
        start(task, argumentCount: 1)
    }
}

@available(*, unavailable)
extension ScriptVM: Sendable {}
