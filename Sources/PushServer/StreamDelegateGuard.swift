import NIOCore
import NIOHTTP2
import Synchronization

/// Passes the HTTP/2 handler's stream events on to the connection manager
/// (`NIOHTTP2ServerConnectionManagementHandler`), a stream's close only if its
/// creation came first. swift-nio-http2 1.46.0 can report the close of a stream
/// whose creation it did not report (a request answered while its HEADERS frame is
/// being delivered: found by `Fuzz/HTTPRequest`), and the manager asserts that
/// every closed stream was open: a client could crash a debug build with a few
/// bytes. (A release build only skips the assertion.)
struct StreamDelegateGuard: NIOHTTP2StreamDelegate {
    /// The streams whose creation was reported; touched on the connection's loop
    /// only, the lock keeps the compiler (and any other caller) honest.
    private final class OpenStreams: Sendable {
        let ids = Mutex(Set<HTTP2StreamID>())
    }

    private let manager: NIOHTTP2StreamDelegate
    private let open = OpenStreams()

    init(_ manager: NIOHTTP2StreamDelegate) {
        self.manager = manager
    }

    func streamCreated(_ id: HTTP2StreamID, channel: Channel) {
        open.ids.withLock { _ = $0.insert(id) }
        manager.streamCreated(id, channel: channel)
    }

    func streamClosed(_ id: HTTP2StreamID, channel: Channel) {
        guard open.ids.withLock({ $0.remove(id) }) != nil else { return }
        manager.streamClosed(id, channel: channel)
    }
}
