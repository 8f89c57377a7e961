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
    let logger: Logger
    let errors: ErrorLog
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
        runner = TaskRunner(lua: lua, scheduler: scheduler)
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

    deinit { retire() }

    /// Stops everything it runs and closes its VM. Retiring twice is harmless. An HTTP
    /// request a handler was still working on gets `503` (it may be retried).
    func retire() {
        guard !lua.isClosed else { return }
        scheduler.cancelAll()
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
                hub.send(Frame(raw: ": stream \(client.request.path) no longer exists\n"), to: client)
                hub.close(client)
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

    func disconnected(_ client: Client) {
        sessions.reap()
        guard let session = sessions[client.id] else { return }
        end(session)
    }

    /// Ends what a session runs once its client is gone, closed or denied. A
    /// handler that is running now (it closed its own client) ends at its next yield.
    func end(_ session: Session) {
        sessions.end(session)
        if let task = session.task { runner.stop(task) }
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
    func taskCompleted(_ task: ScriptTask, resultCount: Int32) {
        guard case .request(let exchange, let path) = task.purpose else { return }
        let stack = task.coroutine.stack
        let base = stack.top - resultCount + 1
        do {
            hub.respond(to: exchange, with: try response(from: stack, at: base, count: resultCount))
        } catch {
            errors.error("script error in handler \(path): \(error)", now: scheduler.now)
            hub.respond(to: exchange, with: Response(status: .internalServerError, text: "script error"))
        }
    }

    func taskFailed(_ task: ScriptTask, _ error: LuaError) {
        errors.error("script error in \(task.context): \(error.message)", detail: error.traceback, now: scheduler.now)
        switch task.purpose {
        case .stream(let session):
            if !hub.deny(session.client, status: .internalServerError, message: "script error") {
                hub.close(session.client)
            }
            sessions.end(session)
        case .request(let exchange, _):
            hub.respond(to: exchange, with: Response(status: .internalServerError, text: "script error"))
        case .timer:
            break
        }
    }
}

@available(*, unavailable)
extension ScriptVM: Sendable {}
