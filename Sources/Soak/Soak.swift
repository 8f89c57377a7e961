import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `make soak`: thousands of clients of one `ssescript serve` for a bounded time,
/// each going away now and then and coming back with `Last-Event-ID`, one of them
/// reading too slowly, while the script publishes numbered events and is reloaded
/// every few seconds. At the end the server's descriptors and memory must be back
/// near where they started, and every client must have seen every event once,
/// across all its connections.
@main struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssescript-soak", abstract: "Soak a server: churning clients, reloads, a slow reader.")

    @Option(help: "The ssescript binary.") var server = ".build/release/ssescript"
    @Option(help: "The script it serves.") var script = "scripts/soak.lua"
    @Option(help: "Clients (one of them reads slowly).") var clients = 2000
    @Option(help: "Seconds of churn and reloads.") var seconds = 60
    @Option(help: "Seconds between reloads.") var reloadEvery = 3.0
    @Option(help: "The server's --client-buffer.") var clientBuffer = 16384
    @Option(help: "Descriptors the server may end with above its start.") var descriptorMargin = 2
    @Option(help: "MiB of RSS the server may end with above its start.") var memoryMargin = 24

    func run() async throws {
        raiseDescriptorLimit(to: clients + 256)
        let server = try ServerProcess(
            binary: server, script: script, arguments: ["--client-buffer", "\(clientBuffer)"])
        try await Task.sleep(for: .seconds(1))
        let start = (descriptors: server.descriptors, memory: server.memory)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let feed = (0..<clients).map { index in
            FeedClient(loop: group.next(), port: server.port, slow: index == 0, churning: index != 0)
        }
        for batch in stride(from: 0, to: feed.count, by: 100) {
            for client in feed[batch..<min(batch + 100, feed.count)] { client.loop.execute { client.connect() } }
            try await Task.sleep(for: .milliseconds(50))
        }
        let reloads = try await churn(server, feed)
        for client in feed { try await client.loop.submit { client.settle() }.get() }
        guard let last = Int(try server.ask("POST", "/stop")) else { throw SoakFailure("no last id from /stop") }
        let caughtUp = try await waitUntil(seconds: 60) {
            feed.dropFirst().allSatisfy { $0.record.withLock { $0.lastID } == last }
        }
        for client in feed { try await client.loop.flatSubmit { client.stop() }.get() }
        _ = try await waitUntil(seconds: 30) { (try? server.ask("GET", "/clients")) == "0" }
        try await Task.sleep(for: .seconds(3))
        let end = (descriptors: server.descriptors, memory: server.memory)
        let status = server.stop()
        try? await group.shutdownGracefully()
        let passed = report(
            feed.map { $0.record.withLock { $0 } }, last: last, reloads: reloads, caughtUp: caughtUp,
            start: start, end: end, exitStatus: status)
        if !passed { throw ExitCode.failure }
    }

    /// Reloads every `reloadEvery` seconds for `seconds`, telling how it goes every 10 s.
    private func churn(_ server: ServerProcess, _ feed: [FeedClient]) async throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        var reloads = 0
        var nextReport = 10
        while clock.now - started < .seconds(seconds) {
            try await Task.sleep(for: .seconds(reloadEvery))
            server.reload()
            reloads += 1
            let elapsed = Int((clock.now - started).components.seconds)
            if elapsed >= nextReport {
                nextReport += 10
                let records = feed.map { $0.record.withLock { $0 } }
                let memory = server.memory
                print(
                    "soak: \(elapsed) s: \(records.map(\.events).reduce(0, +)) events delivered, \(reloads) reloads, "
                        + "\(records.map(\.connections).reduce(0, +) - feed.count) reconnections; "
                        + "server \(server.descriptors) descriptors, RSS \(memory.resident >> 10) MiB")
            }
        }
        return reloads
    }

    /// Prints the outcome; true when it passed.
    private func report(
        _ records: [FeedRecord], last: Int, reloads: Int, caughtUp: Bool,
        start: (descriptors: Int, memory: (resident: Int, peak: Int)),
        end: (descriptors: Int, memory: (resident: Int, peak: Int)), exitStatus: Int32
    ) -> Bool {
        let slow = records[0]
        let others = records.dropFirst()
        let complete = others.filter { $0.lastID == last && $0.repeats == 0 && $0.missed == 0 && $0.gapEvents == 0 }
        let resumes = others.map { $0.connections - 1 }.reduce(0, +)
        print(
            "soak: \(records.count) clients for \(seconds) s, \(last) events, \(reloads) reloads, "
                + "\(resumes) disconnects and resumes (\(others.map(\.endedByServer).reduce(0, +)) ended by the server)"
        )
        print(
            "soak: every event once: \(complete.count) of \(others.count) resuming clients "
                + "(repeats \(others.map(\.repeats).reduce(0, +)), missed \(others.map(\.missed).reduce(0, +)), "
                + "gap events \(others.map(\.gapEvents).reduce(0, +)), refusals \(others.map(\.refusals).reduce(0, +)))"
        )
        print(
            "soak: the slow reader: dropped \(slow.endedByServer) times, \(slow.events) events up to id "
                + "\(slow.lastID ?? 0), repeats \(slow.repeats), missed \(slow.missed), gap events \(slow.gapEvents)")
        print(
            "soak: server descriptors \(start.descriptors) at start, \(end.descriptors) at end; RSS "
                + "\(mebibytes(start.memory.resident)) MiB at start, \(mebibytes(end.memory.resident)) MiB at end "
                + "(peak \(mebibytes(end.memory.peak)) MiB); exit status \(exitStatus)")
        var failures: [String] = []
        if !caughtUp || complete.count != others.count {
            failures.append("a resuming client missed or repeated events")
        }
        if slow.repeats > 0 || slow.missed > 0 || slow.endedByServer == 0 {
            failures.append("the slow reader was not dropped and resumed cleanly")
        }
        if end.descriptors > start.descriptors + descriptorMargin { failures.append("descriptors were left open") }
        if end.memory.resident > start.memory.resident + memoryMargin << 10 {
            failures.append("memory was not given back")
        }
        if exitStatus != 0 { failures.append("the server did not stop cleanly") }
        print(failures.isEmpty ? "soak: PASS" : "soak: FAIL: " + failures.joined(separator: "; "))
        return failures.isEmpty
    }

    private func mebibytes(_ kilobytes: Int) -> String { String(format: "%.1f", Double(kilobytes) / 1024) }

    private func waitUntil(seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return condition()
    }

    private func raiseDescriptorLimit(to wanted: Int) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = min(limit.rlim_max, max(limit.rlim_cur, rlim_t(wanted)))
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
