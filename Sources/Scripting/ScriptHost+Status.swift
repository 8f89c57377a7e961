import CoreMetrics
import LuaRuntime
import NIOCore
import PushServer

/// How a reload went, as the console's activity shows it.
struct ReloadReport {
    var ok: Bool
    /// Wall-clock seconds.
    var time: Double
    /// What asked for it (`SIGHUP`, `changed: clock.lua`).
    var reason: String
    /// What came of it: the error with file and line, or how long the swap took.
    var message: String
}

/// The script's share of the metrics, and the console's live activity: the
/// `activity` member of `/_ssescript/status` (see `ConsolePage.activityScript`).
extension ScriptHost {
    /// Sets the gauges only the script loop can read: the VM's memory and its
    /// timers. Called at every sweep of the host and before a scrape.
    public func reportMetrics() {
        loop.preconditionInEventLoop()
        runtimeMetrics.memory.record(vm?.lua.isClosed == false ? vm!.lua.memoryInUse : 0)
        runtimeMetrics.timers.record(vm?.timers.count ?? 0)
    }

    /// `{ time, events_published, events_queued, open_by_path, lua_memory_bytes,
    /// timers, errors: [{ message, time, count }], last_reload }`. Totals are counts
    /// since the start: the page makes rates of them.
    func activity() -> ConsoleJSON {
        let hub = server.hub
        let open = hub.openStreamsByPath
        let errors = self.errors.recent.map { error in
            ConsoleJSON.object([
                ("message", .string(error.message)), ("time", .number(error.time)), ("count", .int(error.count)),
            ])
        }
        let reload = lastReload.map { report in
            ConsoleJSON.object([
                ("ok", .bool(report.ok)), ("time", .number(report.time)), ("reason", .string(report.reason)),
                ("message", .string(report.message)),
            ])
        }
        return .object([
            ("time", .number(ScriptVM.wallClock())),
            ("events_published", .int(hub.eventsPublished)), ("events_queued", .int(hub.eventsQueued)),
            ("open_by_path", .object(open.keys.sorted().map { ($0, .int(open[$0]!)) })),
            ("lua_memory_bytes", .int(vm.map { $0.lua.isClosed ? 0 : $0.lua.memoryInUse } ?? 0)),
            ("timers", .int(vm?.timers.count ?? 0)),
            ("errors", .array(errors)), ("last_reload", reload ?? .null),
        ])
    }
}
