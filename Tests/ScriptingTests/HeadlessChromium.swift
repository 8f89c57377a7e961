import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's Chromium, headless, driven through the DevTools protocol over
/// `--remote-debugging-pipe` (NUL-separated JSON on descriptors 3 and 4): open a
/// page, evaluate JavaScript in it, poll until the page shows something.
final class HeadlessChromium: @unchecked Sendable {  // used by one test at a time
    static let path = "/usr/bin/chromium"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    private let pid: pid_t
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private let profile: URL
    private var nextID = 1
    private var received: [UInt8] = []
    private var session: String?

    /// A browser; with `ignoringCertificateErrors`, it accepts the server's
    /// self-signed certificate (`--ignore-certificate-errors`).
    init(ignoringCertificateErrors: Bool = false) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw POSIXError(.EMFILE) }
        // Keep the pipe ends clear of 3 and 4, which they are copied onto in the child.
        let childRead = fcntl(input[0], F_DUPFD, 10)
        let childWrite = fcntl(output[1], F_DUPFD, 10)
        close(input[0])
        close(output[1])
        toBrowser = input[1]
        fromBrowser = output[0]
        _ = fcntl(toBrowser, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fromBrowser, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childRead, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrite, 4)
        posix_spawn_file_actions_addclose(&actions, childRead)
        posix_spawn_file_actions_addclose(&actions, childWrite)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments =
            [
                Self.path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--remote-debugging-pipe", "--user-data-dir=\(profile.path)",
            ] + (ignoringCertificateErrors ? ["--ignore-certificate-errors"] : []) + ["about:blank"]
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&pid, Self.path, &actions, nil, argv, envp) }
        }
        close(childRead)
        close(childWrite)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .ENOENT) }
        self.pid = pid
    }

    deinit {
        _ = try? send("Browser.close", [:], timeout: 2)
        close(toBrowser)
        close(fromBrowser)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Opens `url` in a new page; later calls evaluate in it.
    func open(_ url: String) throws {
        let target = try send("Target.createTarget", ["url": url])
        guard let targetID = target["targetId"] as? String else { throw BrowserError("no target for \(url)") }
        let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        session = attached["sessionId"] as? String
    }

    /// Sets the size of the page's window in CSS pixels (before a screenshot).
    func setViewport(width: Int, height: Int) throws {
        let metrics: [String: Any] = ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false]
        _ = try send("Emulation.setDeviceMetricsOverride", metrics, session: session)
    }

    /// A PNG of the page as it is drawn now (`Page.captureScreenshot`).
    func screenshot() throws -> Data {
        let shot = try send("Page.captureScreenshot", ["format": "png"], session: session)
        guard let base64 = shot["data"] as? String, let png = Data(base64Encoded: base64) else {
            throw BrowserError("no screenshot")
        }
        return png
    }

    /// The value of a JavaScript expression in the page (JSON types).
    func evaluate(_ expression: String) throws -> Any? {
        let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
        if let exception = result["exceptionDetails"] { throw BrowserError("script error: \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` until it is truthy (returning its value) or `seconds` pass.
    func waitFor(_ expression: String, seconds: Double = 15) async throws -> Any {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var lastError: Error?
        while ContinuousClock.now < deadline {
            do {
                if let value = try evaluate(expression), !(value is NSNull), (value as? Bool) != false {
                    return value
                }
            } catch let error as BrowserError where error.description.hasPrefix("script error") {
                lastError = error  // the page may not have loaded yet
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BrowserError("\(expression) did not become true within \(seconds) s\(lastError.map { " (\($0))" } ?? "")")
    }

    // MARK: Protocol

    private func send(_ method: String, _ params: [String: Any], session: String? = nil, timeout: Double = 15) throws
        -> [String: Any]
    {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        guard bytes.withUnsafeBytes({ write(toBrowser, $0.baseAddress, $0.count) }) == bytes.count else {
            throw BrowserError("the browser is gone")
        }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            while let end = received.firstIndex(of: 0) {
                let text = Data(received[..<end])
                received.removeSubrange(...end)
                guard let reply = try JSONSerialization.jsonObject(with: text) as? [String: Any],
                    reply["id"] as? Int == id
                else { continue }
                if let error = reply["error"] { throw BrowserError("\(method): \(error)") }
                return reply["result"] as? [String: Any] ?? [:]
            }
            var poller = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 else { continue }
            if poller.revents & Int16(POLLIN) != 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = read(fromBrowser, &chunk, chunk.count)
                guard count > 0 else { throw BrowserError("the browser closed its pipe") }
                received += chunk[0..<count]
            } else if poller.revents != 0 {
                throw BrowserError("the browser closed its pipe")
            }
        }
        throw BrowserError("\(method) got no answer within \(timeout) s")
    }
}

struct BrowserError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
