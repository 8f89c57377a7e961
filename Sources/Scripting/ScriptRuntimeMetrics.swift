import CoreMetrics
import LuaRuntime
import PushServer

/// The series about the script itself: its errors, how long its coroutines run
/// between yields, its VM's memory, its reloads and timers. Made through
/// swift-metrics with the server's factory; all used on the script loop.
final class ScriptRuntimeMetrics: Sendable {
    static let families: [MetricFamily] = [
        MetricFamily(
            name: "ssescript_script_errors_total",
            help: "Script errors (each one, also those folded in the log): error, timeout (ran too long), memory.",
            kind: .counter, labels: ["kind"]),
        MetricFamily(
            name: "ssescript_script_resume_seconds",
            help: "How long a handler or timer ran each time it was resumed, until it yielded or ended.",
            kind: .histogram(buckets: [
                0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                0.25, 0.5, 1,
            ])),
        MetricFamily(
            name: "ssescript_lua_memory_bytes", help: "Bytes the script's Lua VM holds.", kind: .gauge),
        MetricFamily(
            name: "ssescript_reloads_total",
            help: "Reloads of the script: ok (swapped in) or failed (kept the old one).",
            kind: .counter, labels: ["result"]),
        MetricFamily(
            name: "ssescript_timers", help: "Timers the script has running (sse.every, sse.after).", kind: .gauge),
    ]

    let errors: [ScriptErrorKind: Counter]
    /// Nil when nothing records: the clock is then not read around each resume.
    let resume: CoreMetrics.Timer?
    let memory: Gauge
    let reloadsOK: Counter
    let reloadsFailed: Counter
    let timers: Gauge

    init(factory: any MetricsFactory) {
        factory.describe(Self.families)
        errors = Dictionary(
            uniqueKeysWithValues: ScriptErrorKind.allCases.map {
                (
                    $0,
                    Counter(
                        label: "ssescript_script_errors_total", dimensions: [("kind", $0.rawValue)], factory: factory)
                )
            })
        resume =
            factory.isRecording ? CoreMetrics.Timer(label: "ssescript_script_resume_seconds", factory: factory) : nil
        memory = Gauge(label: "ssescript_lua_memory_bytes", factory: factory)
        reloadsOK = Counter(label: "ssescript_reloads_total", dimensions: [("result", "ok")], factory: factory)
        reloadsFailed = Counter(label: "ssescript_reloads_total", dimensions: [("result", "failed")], factory: factory)
        timers = Gauge(label: "ssescript_timers", factory: factory)
    }
}

/// What kind of script error (`ssescript_script_errors_total{kind}`).
enum ScriptErrorKind: String, CaseIterable, Sendable {
    /// An error raised while running (`error(...)`, a type error, a bad response).
    case error
    /// It ran past `--script-timeout` without yielding.
    case timeout
    /// The VM was over `--script-memory`.
    case memory

    init(_ error: LuaError) {
        switch error.kind {
        case .timeout: self = .timeout
        case .memory: self = .memory
        default: self = .error
        }
    }
}
