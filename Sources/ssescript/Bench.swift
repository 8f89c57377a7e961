import ArgumentParser
import FeedClient
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `ssescript bench URL`: a load client for any SSE endpoint.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test any SSE endpoint: many streams, events/s, bytes/s, latency percentiles.",
        discussion: """
            Opens the streams (HTTP/1.1, or HTTP/2 with --http2), reads them for the duration and \
            prints what it measured. Latency is measured for events whose data starts with the \
            send time as CLOCK_REALTIME microseconds ("data: 1732540000123456 ..."). Ctrl-C ends \
            the run early and prints what was measured so far.
            """)

    @Argument(help: "The stream's URL (http:// or https://).")
    var url: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Streams to open.", valueName: "count"))
    var connections = 100

    @Option(name: .shortAndLong, help: ArgumentHelp("Seconds to run.", valueName: "seconds"))
    var duration: Double = 10

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Seconds before events, bytes and latency count.", valueName: "seconds"))
    var warmup: Double = 0

    @Option(help: ArgumentHelp("Streams opened per second (default: as fast as possible).", valueName: "per-second"))
    var ramp: Double?

    @Option(help: ArgumentHelp("Event loop threads.", valueName: "count"))
    var threads = 1

    @Flag(help: "Use HTTP/2: by prior knowledge for http://, by ALPN for https://.")
    var http2 = false

    @Option(help: ArgumentHelp("Streams per HTTP/2 connection.", valueName: "count"))
    var streamsPerConnection = 100

    @Option(
        name: [.customShort("H"), .customLong("header")],
        help: ArgumentHelp("A request header, 'Name: value' (repeatable).", valueName: "header"))
    var headers: [String] = []

    @Flag(name: [.customShort("k"), .customLong("insecure")], help: "Accept any TLS certificate (self-signed ones).")
    var insecure = false

    @Flag(help: "Print one JSON object instead of the text report.")
    var json = false

    func validate() throws {
        do {
            _ = try BenchTarget(url: url)
        } catch {
            throw ValidationError("\(error).")
        }
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1.") }
        guard duration > 0, duration.isFinite else {
            throw ValidationError("--duration must be a number of seconds greater than 0.")
        }
        guard warmup >= 0, warmup < duration else {
            throw ValidationError("--warmup must be 0 or more seconds, and less than --duration.")
        }
        if let ramp, !(ramp > 0 && ramp.isFinite) { throw ValidationError("--ramp must be greater than 0.") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be from 1 to 64.") }
        guard streamsPerConnection >= 1 else { throw ValidationError("--streams-per-connection must be at least 1.") }
        _ = try HeaderOptions.fields(headers)
    }

    func run() async throws {
        let stopSignals = StopSignals([SIGINT, SIGTERM])
        var configuration = LoadTest.Configuration(url: url)
        configuration.connections = connections
        configuration.duration = .nanoseconds(Int64(duration * 1e9))
        configuration.warmup = .nanoseconds(Int64(warmup * 1e9))
        configuration.ramp = ramp
        configuration.threads = threads
        configuration.http2 = http2
        configuration.streamsPerConnection = streamsPerConnection
        configuration.skipsCertificateVerification = insecure
        configuration.headers = try HeaderOptions.fields(headers)
        let test = Task { [configuration] in try await LoadTest(configuration).run() }
        let interruption = Task {
            await stopSignals.first()
            test.cancel()
        }
        defer { interruption.cancel() }
        let report: LoadReport
        do {
            report = try await test.value
        } catch {
            printError("ssescript: bench \(url): \(FeedError.describe(error))")
            throw ExitCode.failure
        }
        var standardOutput = StandardOutput()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self), to: &standardOutput)
        } else {
            print(report.text, terminator: "", to: &standardOutput)
        }
    }
}
