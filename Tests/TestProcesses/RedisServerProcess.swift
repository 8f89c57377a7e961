public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `redis-server` for one test: on 127.0.0.1, a free port, persistence off
/// (`--save "" --appendonly no`), in a temporary directory; stopped by its pid.
/// `restart()` stops it (SIGTERM) and starts a fresh one on the same port.
public final class RedisServerProcess: @unchecked Sendable {  // used by the one test that made it
    public static let path = "/usr/bin/redis-server"

    public let port: Int
    private let extraArguments: [String]
    private let directory: URL
    private var pid: pid_t?

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts a server; `arguments` are added to its command line (`["--requirepass", "secret"]`).
    public init(_ arguments: [String] = []) throws {
        port = try Self.freePort()
        extraArguments = arguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server (if stopped) and waits until it accepts connections.
    public func start() throws {
        guard pid == nil else { return }
        let arguments =
            [
                Self.path, "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", directory.path, "--logfile", directory.appendingPathComponent("log").path,
            ] + extraArguments
        pid = try Self.spawn(arguments)
        let deadline = ContinuousClock.now + .seconds(10)
        while !Self.accepts(port: port) {
            guard ContinuousClock.now < deadline else { throw RedisServerError("redis-server did not listen on \(port) in 10 s") }
            usleep(10_000)
        }
    }

    /// SIGTERM to its pid, and waits for it to exit (SIGKILL after 5 s).
    public func stop() {
        guard let pid else { return }
        self.pid = nil
        Glibc.kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(10_000)
        }
        Glibc.kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// posix_spawn with the default signal mask and dispositions: a test thread may block
    /// SIGTERM, and a child inherits that, which would make `stop()` wait forever.
    private static func spawn(_ arguments: [String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, &argv, environ)
        guard status == 0 else { throw RedisServerError("cannot start \(path): error \(status)") }
        return pid
    }

    /// SIGKILL to its pid (it dies with whatever it was doing), and waits for it.
    public func kill() {
        guard let pid else { return }
        self.pid = nil
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    public var isRunning: Bool { pid != nil }

    public func restart() throws {
        stop()
        try start()
    }

    /// A port nobody listens on now (the kernel's pick for a socket bound to port 0).
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
            }
        }
        guard bound else { throw RedisServerError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

public struct RedisServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
