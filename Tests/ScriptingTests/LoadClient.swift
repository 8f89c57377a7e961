import Foundation

/// The shared benchmark harness's load client, `ssebench` (C, epoll: thousands of
/// streams from one process, so the test runner is not the bottleneck), built from
/// its source once per test run. The harness is found at `$SSE_BENCH`, or at
/// `../shared/bench` beside the repository (or its worktree's parent).
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

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static let executable: Result<String, Missing> = {
        let environment = ProcessInfo.processInfo.environment["SSE_BENCH"].map { [$0] } ?? []
        let candidates = environment + ["../shared/bench", "../../shared/bench"].map(Repository.path)
        guard let directory = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/ssebench.c") })
        else {
            return .failure(Missing(description: "ssebench.c not found (set SSE_BENCH to the benchmark harness)"))
        }
        let output = (try? TemporaryScript.directory()).map { $0 + "/ssebench" } ?? "/tmp/ssebench-\(getpid())"
        guard let built = try? ScriptingTests.run("/usr/bin/cc", ["-O2", "-o", output, directory + "/ssebench.c"]),
            built.status == 0
        else { return .failure(Missing(description: "cannot build \(directory)/ssebench.c with cc")) }
        return .success(output)
    }()

    /// Runs `ssebench -u url -c connections -d seconds -r rate --json` to its end (it
    /// stops itself at its deadline), on a thread of its own.
    static func run(url: String, connections: Int, seconds: Int, rate: Int = 5000) async throws -> Report {
        let path = try executable.get()
        let arguments = ["-u", url, "-c", "\(connections)", "-d", "\(seconds)", "-r", "\(rate)", "--json"]
        let result = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try ScriptingTests.run(path, arguments) })
            }
        }
        guard result.status == 0,
            let fields = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        else { throw Missing(description: "ssebench failed (\(result.status)): \(result.errors)") }
        return Report(fields: fields)
    }
}
