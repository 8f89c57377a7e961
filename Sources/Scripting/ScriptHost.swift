public import Cluster
import CoreMetrics
public import Logging
public import LuaRuntime
public import NIOCore
import NIOHTTP1
public import PushServer

/// Runs a script against a `PushServer`: loads it, serves its routes, hands it the
/// server's clients and requests, and serves the demo page at `/` unless the
/// script has its own.
///
/// Confined to the server's control loop (`loop`): call every method there.
public final class ScriptHost: PushApplication, @unchecked Sendable {  // confined to `loop`
    public let scriptPath: String
    public let options: ScriptOptions
    public let server: PushServer
    /// The cluster this instance is part of (`--redis`), or nil.
    public let cluster: ClusterNode?
    public var loop: EventLoop { server.hub.loop }
    let logger: Logger
    let errors: ErrorLog
    let runtimeMetrics: ScriptRuntimeMetrics
    /// What scripts declared with `sse.metrics`: kept across reloads.
    let scriptMetrics: ScriptMetricRegistry
    /// The recent lines this host logged, for the console.
    public let consoleLog = ConsoleLog()
    private(set) var vm: ScriptVM?
    private var watcher: FileWatcher?
    /// Why the last reload failed (`clock.lua:3: ...`); nil after a good one.
    public private(set) var lastReloadError: String?
    /// How the last reload went, for the demo page's live view; nil before the first.
    private(set) var lastReload: ReloadReport?

    public init(
        scriptPath: String, options: ScriptOptions = ScriptOptions(), server: PushServer, cluster: ClusterNode? = nil,
        logger: Logger
    ) {
        self.scriptPath = scriptPath
        self.options = options
        self.server = server
        self.cluster = cluster
        self.logger = consoleLog.logger(forwardingTo: logger)
        runtimeMetrics = ScriptRuntimeMetrics(factory: server.configuration.metrics)
        scriptMetrics = ScriptMetricRegistry(factory: server.configuration.metrics, logger: self.logger)
        self.errors = ErrorLog(logger: self.logger, metrics: runtimeMetrics)
    }

    /// Loads and runs the script, then serves what it declared. Throws the script's
    /// error (`clock.lua:12: ...`) if it does not load.
    public func start() throws(LuaError) {
        loop.preconditionInEventLoop()
        vm = try makeVM(servingWhileLoading: true)
        server.hub.application = self
        publishRoutes(of: vm)
    }

    /// Runs the script's `on_stop` hook (unless told not to) and stops it (timers,
    /// handlers; `on_close` functions still to run run first, until they yield).
    public func stop(runningHooks: Bool = true) {
        loop.preconditionInEventLoop()
        if runningHooks { runStopHook() }
        stopWatching()
        vm?.retire()
        vm = nil
    }

    /// The first half of a graceful stop: no more reloads, and the script's
    /// `on_stop` runs (what it publishes is delivered). The script goes on until
    /// `stop(runningHooks: false)`, so that it hears its clients go (`"shutdown"`).
    public func runStopHook() {
        loop.preconditionInEventLoop()
        stopWatching()
        if let vm { runHook("on_stop", in: vm) }
    }

    /// The stream paths the script declared, sorted.
    public var streamPaths: [String] { vm.map { $0.streams.keys.sorted() } ?? [] }

    // MARK: Reload

    /// Reloads the script whenever it, or a module it `require`d from its directory,
    /// changes on disk.
    public func startWatching(interval: TimeAmount = .milliseconds(100)) {
        loop.preconditionInEventLoop()
        watcher = FileWatcher(
            loop: loop, interval: interval,
            files: { [unowned self] in [scriptPath] + (vm?.requiredFiles.sorted() ?? []) },
            changed: { [unowned self] files in
                reload(
                    because: "changed: "
                        + files.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: ", "))
            })
        watcher?.start()
    }

    public func stopWatching() {
        watcher?.stop()
        watcher = nil
    }

    /// Loads the script again in a fresh VM. If it loads, swaps it in at once: the
    /// old timers and handlers stop, every open stream is handed to the new handler
    /// for its path (`client.reloaded == true`) or closed cleanly if its path is
    /// gone, `sse.state` carries over, and the new script's `on_reload` runs. If it
    /// does not load, the running script goes on untouched. Returns whether it swapped.
    @discardableResult
    public func reload(because reason: String) -> Bool {
        loop.preconditionInEventLoop()
        guard let vm else { return false }  // not started (or stopped): nothing to reload
        let started = NIODeadline.now()
        let (state, dropped) = vm.carriedState()
        let next: ScriptVM
        do {
            next = try makeVM(state: state)
        } catch {
            lastReloadError = error.message
            runtimeMetrics.reloadsFailed.increment()
            lastReload = ReloadReport(ok: false, time: ScriptVM.wallClock(), reason: reason, message: error.message)
            logger.error(
                "reload of \(scriptPath) failed (\(reason)): \(error.message); the previous version goes on",
                metadata: ["reason": "\(reason)"])
            return false
        }
        for item in dropped { logger.warning("reload: \(item) is not plain data and was not carried over") }
        // Streams whose path is gone end under the old version, whose on_close sees "reload".
        let open = server.hub.clients.sorted { $0.id < $1.id }
        for client in open where next.streams[client.request.path] == nil { vm.closeRemoved(client) }
        vm.retire()
        self.vm = next
        lastReloadError = nil
        publishRoutes(of: next)
        let clients = open.filter(\.isConnected)
        for client in clients { next.connect(client, reloaded: true) }
        runHook("on_reload", in: next)
        let milliseconds = Double((NIODeadline.now() - started).nanoseconds) / 1e6
        let streams = clients.count == 1 ? "1 stream" : "\(clients.count) streams"
        let outcome = "reloaded in \(String(oneDecimal: milliseconds)) ms, \(streams) handed over"
        runtimeMetrics.reloadsOK.increment()
        lastReload = ReloadReport(ok: true, time: ScriptVM.wallClock(), reason: reason, message: outcome)
        logger.info(
            "reloaded \(scriptPath) (\(reason)) in \(String(oneDecimal: milliseconds)) ms, \(streams) handed over")
        return true
    }

    /// A VM with the script loaded. On the first start it serves its routes as the
    /// script declares them, so its top level already publishes with its streams'
    /// `history` and `ids`; a reload's routes take effect at the swap, with the version.
    private func makeVM(state: LuaValue = .nil, servingWhileLoading: Bool = false) throws(LuaError) -> ScriptVM {
        let reporting = ScriptVM.Reporting(
            logger: logger, errors: errors, runtime: runtimeMetrics, scriptMetrics: scriptMetrics)
        let vm = try ScriptVM(scriptPath: scriptPath, options: options, hub: server.hub, reporting: reporting)
        vm.cluster = cluster
        vm.restore(state: state)
        let serve: () -> Void = { [weak self, unowned vm] in self?.publishRoutes(of: vm) }
        if servingWhileLoading { vm.routesChanged = serve }
        do {
            try vm.load()
        } catch {
            vm.retire()
            throw error
        }
        vm.routesChanged = serve
        return vm
    }

    /// Gives the server `vm`'s routes, with the console at `/` (and its endpoints
    /// under `/_ssescript/`) unless the script has its own `/`.
    private func publishRoutes(of vm: ScriptVM?) {
        var routes = vm?.routes ?? RouteTable()
        if routes.handlers["/"] == nil && routes.streams["/"] == nil { Console.addRoutes(to: &routes) }
        server.routes = routes
    }

    /// Calls `sse.<name>` (or the global `<name>`) if the script defines it.
    private func runHook(_ name: String, in vm: ScriptVM) {
        guard let function = vm.hook(name) else { return }
        do {
            try vm.lua.call(function)
        } catch {
            errors.error(
                "script error in \(name): \(error.message)", detail: error.traceback, kind: ScriptErrorKind(error),
                now: loop.now)
        }
    }

    // MARK: PushApplication

    public func hub(_ hub: Hub, didConnect client: Client) {
        guard let vm else {
            _ = hub.deny(client, status: .serviceUnavailable, message: "no script running")
            return
        }
        vm.connect(client, reloaded: false)
    }

    public func hub(_ hub: Hub, didDisconnect client: Client, reason: DisconnectReason) {
        vm?.disconnected(client, reason: reason)
    }

    public func hub(_ hub: Hub, didReceive request: Request, exchange: Exchange) {
        if isServingConsole, let response = consoleResponse(to: request) {
            return hub.respond(to: exchange, with: response)
        }
        guard let vm else {
            return hub.respond(to: exchange, with: Response(status: .serviceUnavailable, text: "no script running"))
        }
        vm.handle(request, exchange: exchange)
    }

    /// Event names the console listens for: those written in the script as
    /// `event = "name"`.
    var eventNames: [String] {
        guard let source = FileSystem.contents(of: scriptPath) else { return [] }
        return DemoPage.eventNames(in: source)
    }
}

extension String {
    /// A number with one decimal: `3.2`.
    fileprivate init(oneDecimal value: Double) {
        let tenths = (value * 10).rounded()
        self = "\(Int(tenths) / 10).\(Int(tenths) % 10)"
    }
}
