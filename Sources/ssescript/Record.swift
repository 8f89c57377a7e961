import ArgumentParser
import FeedClient

#if canImport(Glibc)
    import Glibc
#endif

/// `ssescript record URL`: writes any SSE feed's events, with their times, to a recording.
struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record any SSE feed (http or https) to a file, with the time of each event.",
        discussion: """
            Each event is written as soon as it arrives, in a line-oriented text format that \
            reads like the stream (see Sources/FeedClient/RECORDING.md). The recording ends at \
            --events or --duration, when the server ends the stream, or on Ctrl-C; the file is \
            complete in every case, its last line saying why it ended.
            """)

    @Argument(help: "The stream's URL (http:// or https://).")
    var url: String

    @Option(name: .shortAndLong, help: ArgumentHelp("File to write ('-' is standard output).", valueName: "file"))
    var output = "-"

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Stop after this many events.", valueName: "count"))
    var events: Int?

    @Option(
        name: [.customShort("H"), .customLong("header")],
        help: ArgumentHelp("A request header, 'Name: value' (repeatable).", valueName: "header"))
    var headers: [String] = []

    @Flag(help: "Record comment lines too (mostly heartbeats).")
    var comments = false

    @Flag(name: [.customShort("k"), .customLong("insecure")], help: "Accept any TLS certificate (self-signed ones).")
    var insecure = false

    func validate() throws {
        let lowercased = url.lowercased()
        guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") else {
            throw ValidationError("the URL must start with http:// or https://, not \"\(url)\".")
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw ValidationError("--duration must be a number of seconds greater than 0.")
        }
        if let events, events < 1 { throw ValidationError("--events must be at least 1.") }
        _ = try HeaderOptions.fields(headers)
    }

    func run() async throws {
        // Caught from the start: Ctrl-C ends the recording cleanly, a second one exits at once.
        let stopSignals = StopSignals([SIGINT, SIGTERM])
        let file: OutputFile
        do {
            file = try OutputFile(path: output)
        } catch {
            printError("ssescript: \(error)")
            throw ExitCode.failure
        }
        let recorder = FeedRecorder(
            .init(
                url: url, headers: try HeaderOptions.fields(headers),
                duration: duration.map { .nanoseconds(Int64($0 * 1e9)) }, eventLimit: events,
                keepsComments: comments, skipsCertificateVerification: insecure))
        let recording = Task { try await recorder.record(to: file) }
        let interruption = Task {
            await stopSignals.first()
            recording.cancel()
        }
        defer { interruption.cancel() }
        do {
            let summary = try await recording.value
            let seconds =
                Double(summary.elapsed.components.seconds)
                + Double(summary.elapsed.components.attoseconds) / 1e18
            printError(
                "ssescript: recorded \(summary.events) event\(summary.events == 1 ? "" : "s") in "
                    + "\((seconds * 10).rounded() / 10) s (\(summary.ending.rawValue))"
                    + (output == "-" ? "" : " to \(output)"))
        } catch {
            printError("ssescript: record \(url): \(FeedError.describe(error))")
            throw ExitCode.failure
        }
    }
}
