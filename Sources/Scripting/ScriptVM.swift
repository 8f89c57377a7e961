import Cluster
import Logging
import LuaRuntime
import NIOCore
import NIOHTTP1
import PushServer

/// One loaded script: its Lua VM, what it declared (streams, handlers), its
/// clients (`Sessions`), tasks (`TaskRunner`) and timers (`ScriptTimers`). A
/// reload makes a new `ScriptVM` and retires the old one. The `sse` and `client`
/// Lua modules are thin bindings over these parts.
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
    let sessions = Sessions()
    let runner: TaskRunner
    let timers: ScriptTimers
    let replays = Replays()
    let logger: Logger
    let errors: ErrorLog
    /// The metrics declared with `sse.metrics` (the host's: they outlive this VM).
    let scriptMetrics: ScriptMetricRegistry
    let scriptPath: String
    /// The directory `require` searches first.
    let scriptDirectory: String
    /// The Lua files in `scriptDirectory` the script has `require`d (watched for reloads).
    var requiredFiles: Set<String> = []

    var streams: [String: StreamDeclaration] = [:]
    var handlers: [String: [String: LuaFunction]] = [:]
    /// `cjson.encode`, for event data and response bodies given as tables.
    var jsonEncode: LuaFunction?
    /// `cjson.null` (`sse.json.null`), JSON's null in Lua tables.
    var jsonNull: LuaValue = .nil
    /// Called when the declared routes change after loading.
    var routesChanged: (() -> Void)?
    /// The cluster this instance is part of (`--redis`): `sse.redis`, the timer lease.
    var cluster: ClusterNode?

    /// What the VM reports to, from its host: its errors, its metrics and the script's own.
    struct Reporting {
        var logger: Logger
        var errors: ErrorLog
        var runtime: ScriptRuntimeMetrics
        var scriptMetrics: ScriptMetricRegistry
    }

    init(scriptPath: String, options: ScriptOptions, hub: Hub, reporting: Reporting) throws(LuaError) {
        self.scriptPath = scriptPath
        self.hub = hub
        self.logger = reporting.logger
        self.errors = reporting.errors
        self.scriptMetrics = reporting.scriptMetrics
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
        runner = TaskRunner(lua: lua, scheduler: scheduler, resumeTimer: reporting.runtime.resume)
        timers = ScriptTimers(scheduler: scheduler, runner: runner, lua: lua)
        runner.outcomes = self
        timers.runsClusterTimers = { [weak self] in self?.cluster?.lease.isHeld ?? true }
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

    deinit { retire(runningDepartures: false) }

    /// Stops everything it runs and closes its VM. Retiring twice is harmless. An HTTP
    /// request a handler was still working on gets `503` (it may be retried). The
    /// `on_close` functions of clients that went (a reload removed their path, the
    /// server stops) run first, until they yield.
    func retire(runningDepartures: Bool = true) {
        guard !lua.isClosed else { return }
        if runningDepartures { runDepartures() }
        scheduler.cancelAll()
        replays.removeAll()
        timers.removeAll()
        let running = runner.takeAll()
        for task in running {
            if case .request(let exchange, _) = task.purpose {
                var response = Response(status: .serviceUnavailable, text: "the script was reloaded or stopped; retry")
                response.headers.append(("Retry-After", "1"))
                hub.respond(to: exchange, with: response)
            }
        }
        lua.close()
        for task in running { task.end() }
        sessions.removeAll()
    }

    // MARK: Clients

    /// Runs the stream handler for a client that connected (or, after a reload,
    /// that was already connected).
    func connect(_ client: Client, reloaded: Bool) {
        guard let declaration = streams[client.request.path] else {
            sessions.reap()
            if reloaded {
                closeRemoved(client)
            } else {
                hub.deny(client, status: .notFound, message: "no stream at \(client.request.path)")
            }
            return
        }
        let session = sessions.begin(client, reloaded: reloaded)
        guard let handler = declaration.handler else { return }
        let task = ScriptTask(LuaCoroutine(handler, in: lua), purpose: .stream(session))
        session.task = task
        sessions.push(session, on: task.coroutine.stack)
        runner.start(task, argumentCount: 1)
    }

    func disconnected(_ client: Client, reason: DisconnectReason) {
        sessions.reap()
        guard let session = sessions[client.id] else { return }
        end(session, reason: reason)
    }

    /// Ends what a session runs once its client is gone, closed or denied, and
    /// runs its `on_close` functions. A handler that is running now (it closed its
    /// own client) ends at its next yield.
    func end(_ session: Session, reason: DisconnectReason) {
        if let task = session.task { runner.stop(task) }
        departed(session, reason: reason)
    }

    /// A reload removed the client's path: it gets a comment saying so, its
    /// stream ends cleanly, and its `on_close` functions get `"reload"`.
    func closeRemoved(_ client: Client) {
        hub.send(Frame(raw: ": stream \(client.request.path) no longer exists\n"), to: client)
        hub.close(client)
        if let session = sessions[client.id] { end(session, reason: .reload) }
    }

    // MARK: HTTP handlers

    func handle(_ request: Request, exchange: Exchange) {
        guard let function = handlers[request.path]?[request.method.rawValue] else {
            return hub.respond(to: exchange, with: Response(status: .notFound, text: "no handler at \(request.path)"))
        }
        let task = ScriptTask(LuaCoroutine(function, in: lua), purpose: .request(exchange, path: request.path))
        pushRequest(request, on: task.coroutine.stack)
        runner.start(task, argumentCount: 1)
    }
}

extension ScriptVM: TaskOutcomes {
    /// A stream handler that waits for a result (`sse.jwt.verify` preparing keys,
    /// `sse.redis`) keeps its client pending, so it can still deny it; once it
    /// sleeps instead, its stream starts, as after a first sleep.
    func taskPaused(_ task: ScriptTask) {
        guard case .stream(let session) = task.purpose else { return }
        let client = session.client
        if task.awaitsResults && task.holdsClientPending {
            if client.state == .pending { client.isHeldPending = true }
        } else {
            releasePending(client)
        }
    }

    /// The handler no longer waits: a client it kept pending opens now (unless it was answered).
    private func releasePending(_ client: Client) {
        guard client.isHeldPending else { return }
        client.isHeldPending = false
        if client.state == .pending { hub.open(client) }
    }

    func taskCompleted(_ task: ScriptTask, resultCount: Int32) {
        if case .stream(let session) = task.purpose { return releasePending(session.client) }
        guard case .request(let exchange, let path) = task.purpose else { return }
        let stack = task.coroutine.stack
        let base = stack.top - resultCount + 1
        do {
            hub.respond(to: exchange, with: try response(from: stack, at: base, count: resultCount))
        } catch {
            errors.error("script error in handler \(path): \(error)", now: scheduler.now, metadata: ["path": "\(path)"])
            hub.respond(to: exchange, with: Response(status: .internalServerError, text: "script error"))
        }
    }

    func taskFailed(_ task: ScriptTask, _ error: LuaError) {
        errors.error(
            "script error in \(task.context): \(error.message)", detail: error.traceback, kind: ScriptErrorKind(error),
            now: scheduler.now, metadata: task.logMetadata)
        switch task.purpose {
        case .stream(let session):
            if !hub.deny(session.client, status: .internalServerError, message: "script error") {
                hub.close(session.client)
            }
            departed(session, reason: .error)
        case .request(let exchange, _):
            hub.respond(to: exchange, with: Response(status: .internalServerError, text: "script error"))
        case .timer, .departure:
            break
        }
    }
}

@available(*, unavailable)
extension ScriptVM: Sendable {}
