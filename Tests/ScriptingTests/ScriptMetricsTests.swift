import Foundation
import LuaRuntime
import Observability
import Testing

@testable import Scripting

/// `sse.metrics`: the script's own series, as `/metrics` shows them.
@Suite struct ScriptMetricsTests {
    /// A script on an embedded loop whose series go to an exporter of its own.
    static func script(_ source: String, log: LogRecorder? = nil) throws -> (EmbeddedScript, PrometheusExporter) {
        let exporter = PrometheusExporter()
        return (try EmbeddedScript(source, metrics: exporter, logger: log?.logger), exporter)
    }

    static func text(_ exporter: PrometheusExporter) -> String { String(decoding: exporter.render(), as: UTF8.self) }

    @Test func countersGaugesAndHistogramsShowWithTheirHelpAndLabels() throws {
        let (script, exporter) = try Self.script(
            """
            orders = sse.metrics.counter("shop_orders_total", "Orders placed", { "kind", "channel" })
            queue = sse.metrics.gauge("shop_queue_length", "Orders waiting")
            took = sse.metrics.histogram("shop_checkout_seconds", "Checkout time", { 0.1, 0.5, 1 })
            orders:inc(1, { kind = "book", channel = "web" })
            orders:inc({ channel = "web", kind = "book" })
            orders:inc(2.5, { kind = "pen", channel = 7 })
            queue:set(12); queue:inc(); queue:dec(4)
            took:observe(0.27); took:observe(3)
            """)
        _ = script
        let text = Self.text(exporter)
        #expect(text.contains("# HELP shop_orders_total Orders placed\n# TYPE shop_orders_total counter\n"))
        #expect(
            text.contains(#"shop_orders_total{channel="web",kind="book"} 2"# + "\n"), "labels in any order: one series")
        #expect(text.contains(#"shop_orders_total{channel="7",kind="pen"} 2.5"#))
        #expect(text.contains("# TYPE shop_queue_length gauge\nshop_queue_length 9.0\n"))
        #expect(text.contains("# TYPE shop_checkout_seconds histogram\n"))
        #expect(text.contains(#"shop_checkout_seconds_bucket{le="0.5"} 1"#))
        #expect(text.contains(#"shop_checkout_seconds_bucket{le="1.0"} 1"#))
        #expect(text.contains(#"shop_checkout_seconds_bucket{le="+Inf"} 2"#))
        #expect(text.contains("shop_checkout_seconds_count 2\n"))
    }

    @Test func misuseIsALuaErrorNamingTheArgument() throws {
        let (script, _) = try Self.script(
            #"c = sse.metrics.counter("hits_total", "Hits", { "route" }); g = sse.metrics.gauge("depth", "Depth")"#)
        // Arguments are numbered as Lua numbers them: after `self` in a method call.
        let cases: [(String, String)] = [
            (#"sse.metrics.counter("2fast", "x")"#, "bad argument #1 to 'counter' (a metric name like"),
            (#"sse.metrics.counter("a-b", "x")"#, "bad argument #1"),
            (#"sse.metrics.gauge("ssescript_clients", "x")"#, "names starting with ssescript_ are the server's"),
            (#"sse.metrics.counter("x_total")"#, "bad argument #2 to 'counter' (string expected, got no value)"),
            (#"sse.metrics.counter("x_total", "x", { "bad-label" })"#, "bad argument #3 to 'counter' (label name"),
            (#"sse.metrics.counter("x_total", "x", { "a", "a" })"#, "label names repeat"),
            (#"sse.metrics.histogram("h", "x", { 1, 0.5 })"#, "bad argument #3 to 'histogram' (bucket bounds"),
            (#"sse.metrics.histogram("h", "x", nil, { "le" })"#, "bad argument #4 to 'histogram'"),
            (#"sse.metrics.gauge("hits_total", "Hits")"#, "metric hits_total is already declared a counter"),
            (#"sse.metrics.counter("hits_total", "Other help", { "route" })"#, "already declared with the help"),
            (#"c:inc(-1, { route = "/" })"#, "bad argument #1 to 'inc' (a counter only goes up"),
            (#"c:inc(1)"#, "bad argument #2 to 'inc' (labels {route} expected"),
            (#"c:inc({ path = "/" })"#, "bad argument #1 to 'inc' (unknown label path"),
            (#"c:inc({ route = {} })"#, "label route must be a string or number"),
            (#"g:set()"#, "bad argument #1 to 'set' (number expected, got no value)"),
            (#"g:set(0/0)"#, "a finite number expected"),
            (#"c.inc(g)"#, "bad argument #1 to 'inc' (counter expected"),
        ]
        for (source, message) in cases {
            let error = try #require(try script.error(source), "\(source) raises an error")
            #expect(error.contains(message), "\(source): \(error)")
        }
        #expect(try script.error(#"c:inc({ route = "/" }); c:inc(3, { route = "/" }); g:inc(); g:dec()"#) == nil)
    }

    @Test func labelCombinationsPastTheLimitAreCountedAsOther() throws {
        let log = LogRecorder()
        let (script, exporter) = try Self.script(
            """
            c = sse.metrics.counter("per_topic_total", "Per topic", { "topic" })
            for i = 1, 250 do c:inc({ topic = "t" .. i }) end
            """, log: log)
        _ = script
        let lines = Self.text(exporter).split(separator: "\n").filter { $0.hasPrefix("per_topic_total{") }
        #expect(lines.count == ScriptMetricRegistry.seriesLimit + 1)
        #expect(lines.contains(#"per_topic_total{topic="other"} 150"#))
        #expect(log.messages.filter { $0.contains("further ones are counted under \"other\"") }.count == 1)
    }

    @Test func aReloadDeclaringTheSameMetricKeepsCounting() throws {
        let source = """
            hits = sse.metrics.counter("reload_hits_total", "Hits")
            hits:inc(2)
            """
        let (script, exporter) = try Self.script(source)
        #expect(script.host.reload(because: "test"))
        #expect(Self.text(exporter).contains("reload_hits_total 4\n"), "the new VM's inc adds to the same series")
        try "hits = sse.metrics.gauge(\"reload_hits_total\", \"Hits\")\n".write(
            toFile: script.host.scriptPath, atomically: true, encoding: .utf8)
        #expect(script.host.reload(because: "test") == false, "a changed definition fails the reload")
        #expect(script.host.lastReloadError?.contains("already declared a counter") == true)
        #expect(try script.eval("hits:inc(); return tostring(hits)") == .string(LuaString("counter reload_hits_total")))
        #expect(Self.text(exporter).contains("reload_hits_total 5\n"), "the old version goes on counting")
    }
}
