import Cluster
import Observability
import PushServer
import Scripting

/// A live server whose series go to a Prometheus exporter of its own, with the
/// `/metrics` and `/healthz` listener on another free port, as `--metrics` has it.
struct ObservedServer {
    let live: LiveServer
    let exporter: PrometheusExporter
    let listener: MetricsListener
    let metricsPort: Int

    var metricsURL: String { "http://127.0.0.1:\(metricsPort)/metrics" }
    var healthURL: String { "http://127.0.0.1:\(metricsPort)/healthz" }

    /// `/metrics` read by Prometheus's Python client.
    func scrape() async throws -> PrometheusScrape { try await PrometheusScrape.fetch(metricsURL) }
}

/// Runs `body` against an observed server running `script`, then stops both
/// listeners (the server first, unless `body` stopped it).
func withObservedServer<T>(
    script: String, options: ScriptOptions = ScriptOptions(), cluster: ClusterNode.Configuration? = nil,
    configure: (inout PushServer.Configuration) -> Void = { _ in },
    _ body: (ObservedServer) async throws -> T
) async throws -> T {
    let exporter = PrometheusExporter()
    let live = try await LiveServer.start(script: script, options: options, cluster: cluster) {
        $0.metrics = exporter
        configure(&$0)
    }
    let listener = MetricsListener(host: "127.0.0.1", port: 0, exporter: exporter, server: live.scriptServer)
    do {
        let observed = ObservedServer(
            live: live, exporter: exporter, listener: listener, metricsPort: try await listener.start())
        let result = try await body(observed)
        if live.scriptServer.phase == .serving { try await live.stop() }
        await listener.stop()
        return result
    } catch {
        if live.scriptServer.phase == .serving { try? await live.stop() }
        await listener.stop()
        throw error
    }
}
