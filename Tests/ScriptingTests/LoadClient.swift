import Foundation

/// `ssescript bench` (FeedClient: thousands of streams from one process, on NIO,
/// ssebench's report fields and timestamp rule) of a given binary, the load test's
/// release build, so the test runner is not the bottleneck.
enum LoadClient {
    /// One finished run: its `--json` report.
    struct Report {
        let fields: [String: Any]
        var established: Int { fields["established"] as? Int ?? 0 }
        var events: Int { fields["events"] as? Int ?? 0 }
        var closedEarly: Int { fields["closed_early"] as? Int ?? 0 }
        var failed: Int { fields["failed"] as? Int ?? 0 }
        var medianLatencyMicroseconds: Int { (fields["latency_us"] as? [String: Any])?["p50"] as? Int ?? 0 }
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `binary bench url -c connections -d seconds --ramp rate --json` to its end
    /// (it stops itself after `seconds`), on a thread of its own.
    static func run(binary: String, url: String, connections: Int, seconds: Int, rate: Int = 5000) async throws
        -> Report
    {
        let arguments = ["bench", url, "-c", "\(connections)", "-d", "\(seconds)", "--ramp", "\(rate)", "--json"]
        let result = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result { try ScriptingTests.run(binary, arguments, timeout: Double(seconds) + 60) })
            }
        }
        guard result.status == 0,
            let fields = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        else { throw Failed(description: "ssescript bench failed (\(result.status)): \(result.errors)") }
        return Report(fields: fields)
    }
}
