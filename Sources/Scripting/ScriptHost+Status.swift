import CoreMetrics
import LuaRuntime
import NIOCore
import NIOHTTP1
import PushServer

/// How a reload went, as the demo page's live view shows it.
struct ReloadReport {
    var ok: Bool
    /// Wall-clock seconds.
    var time: Double
    /// What asked for it (`SIGHUP`, `changed: clock.lua`).
    var reason: String
    /// What came of it: the error with file and line, or how long the swap took.
    var message: String
}

/// The demo page's live view (`GET /_ssescript/status`, JSON, polled every
/// second) and the script's share of the metrics.
extension ScriptHost {
    /// Sets the gauges only the script loop can read: the VM's memory and its
    /// timers. Called at every sweep of the host and before a scrape.
    public func reportMetrics() {
        loop.preconditionInEventLoop()
        runtimeMetrics.memory.record(vm?.lua.isClosed == false ? vm!.lua.memoryInUse : 0)
        runtimeMetrics.timers.record(vm?.timers.count ?? 0)
    }

    /// `{ time, clients: { path: n }, clients_total, events_published, events_queued,
    /// lua_memory_bytes, timers, errors: [{ message, time, count }], reload }`.
    /// Totals are counts since the start: the page makes rates of them.
    func statusResponse() -> Response {
        let hub = server.hub
        var clients = hub.openStreamsByPath
        for path in streamPaths where clients[path] == nil { clients[path] = 0 }
        let clientFields = clients.keys.sorted().map { "\(DemoPage.json($0)):\(clients[$0]!)" }
        let errorItems = errors.recent.map {
            "{\"message\":\(DemoPage.json($0.message)),\"time\":\($0.time),\"count\":\($0.count)}"
        }
        let reload = lastReload.map {
            "{\"ok\":\($0.ok),\"time\":\($0.time),\"reason\":\(DemoPage.json($0.reason)),\"message\":\(DemoPage.json($0.message))}"
        }
        let fields = [
            "\"time\":\(ScriptVM.wallClock())",
            "\"clients\":{\(clientFields.joined(separator: ","))}",
            "\"clients_total\":\(hub.openStreamsByPath.values.reduce(0, +))",
            "\"events_published\":\(hub.eventsPublished)",
            "\"events_queued\":\(hub.eventsQueued)",
            "\"lua_memory_bytes\":\(vm.map { $0.lua.memoryInUse } ?? 0)",
            "\"timers\":\(vm?.timers.count ?? 0)",
            "\"errors\":[\(errorItems.joined(separator: ","))]",
            "\"reload\":\(reload ?? "null")",
        ]
        return Response(
            status: .ok, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            body: ByteBuffer(string: "{" + fields.joined(separator: ",") + "}"))
    }
}
