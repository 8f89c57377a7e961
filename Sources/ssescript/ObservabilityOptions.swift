import ArgumentParser
import Logging
import Observability

/// `--metrics`, `--log-format` and `--log-level`.
struct ObservabilityOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve /metrics (Prometheus) and /healthz on this address, apart from the streams. Default: off.",
            valueName: "host:port"))
    var metrics: String?

    @Option(help: ArgumentHelp("How log lines are written: text, or json (one object per line)."))
    var logFormat = LogFormat.text.rawValue

    @Option(
        help: ArgumentHelp("The least severe level logged: trace, debug, info, notice, warning, error or critical."))
    var logLevel = "info"

    func validate() throws {
        if let metrics, Self.address(metrics) == nil {
            throw ValidationError(
                "--metrics takes host:port, like 127.0.0.1:9090 or [::1]:9090 (port 0 picks a free one), not \"\(metrics)\"."
            )
        }
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be text or json.")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
    }

    var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

    var format: LogFormat { LogFormat(rawValue: logFormat) ?? .text }

    /// The host and port of `--metrics`.
    var metricsAddress: (host: String, port: Int)? { metrics.flatMap(Self.address) }

    /// `host:port` or `[v6]:port`, with a port from 0 to 65535.
    static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("[") else { return nil }
        return (host, port)
    }
}
