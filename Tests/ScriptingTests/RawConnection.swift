import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain blocking TCP connection to 127.0.0.1: sends exactly the bytes a test
/// gives (malformed ones too) and reads what comes back.
final class RawConnection {
    private var socket: Int32

    /// Connects to `host` (127.0.0.1 unless a test asks for another loopback
    /// address); `receiveBuffer` (bytes) sets a small socket receive buffer, for a
    /// client that reads slowly or not at all. Connecting, each send and each read
    /// wait at most 5 s: a stalled server fails the test, it does not hang it.
    init(port: Int, host: String = "127.0.0.1", receiveBuffer: Int32? = nil) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        // On Linux the send timeout bounds a blocking connect too.
        var sendTimeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED
            Glibc.close(socket)
            throw POSIXError(code)
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Closes the connection (as a client that goes away). With `reset`, the close
    /// sends a RST and leaves no TIME_WAIT behind (for tests that connect thousands of times).
    func close(reset: Bool = false) {
        guard socket >= 0 else { return }
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        Glibc.close(socket)
        socket = -1
    }

    /// Ends what this side sends (the server sees end of input).
    func shutdownWrite() { shutdown(socket, Int32(SHUT_WR)) }

    /// Sets how long one read may wait.
    func setReadTimeout(seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `until` appears in what was read, the peer closes, or `seconds` pass.
    func read(until marker: String? = nil, seconds: Double = 5) -> String {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
            if let marker, String(decoding: received, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until what was read satisfies `done`, the peer closes, or `seconds` pass.
    func read(seconds: Double = 5, until done: (String) -> Bool) -> String {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            setReadTimeout(seconds: max(0.01, min(5, deadline.secondsFromNow)))
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
            if done(String(decoding: received, as: UTF8.self)) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Receives what has arrived (waiting up to 5 s) and hands it to `body`;
    /// false once the peer has closed or nothing came.
    func receive(_ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = recv(socket, &buffer, buffer.count, 0)
        guard count > 0 else { return false }
        buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        return true
    }

    /// Whether the peer closed the connection cleanly: end of file, not a reset
    /// (reads until one of them or `seconds`).
    func isClosedCleanlyByPeer(within seconds: Double = 5) -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return false }
        }
        return false
    }

    /// Reads until the peer closes or resets the connection (or `seconds` pass):
    /// how many bytes came, and whether it ended with a reset.
    func drain(seconds: Double = 5) -> (bytes: Int, reset: Bool) {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var bytes = 0
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count > 0 {
                bytes += count
            } else if count == 0 {
                return (bytes, false)
            } else if errno != EAGAIN && errno != EWOULDBLOCK {
                return (bytes, errno == ECONNRESET)
            }
        }
        return (bytes, false)
    }

    /// Whether the peer has closed the connection (reads until EOF or `seconds`).
    func isClosedByPeer(within seconds: Double = 5) -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
        }
        return false
    }
}

/// A chunk of a chunked body as it appears on the wire.
func chunk(_ text: String) -> String { String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n" }

/// Runs blocking work (sockets, waiting on a process) on a thread of its own, so
/// that it does not hold one of the few threads every async test shares.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
