/// Why a stream client went. The hub reports the first four to the application
/// (`PushApplication.hub(_:didDisconnect:reason:)`); the others are the ways the
/// application ends a stream itself, named here so that one type says every way
/// a stream can end (a script's `client:on_close` gets them all as strings).
public enum DisconnectReason: String, Sendable, CaseIterable {
    /// Its peer closed the connection (or reset its HTTP/2 stream), or the connection failed.
    case peer
    /// It read too slowly and was dropped (see `WriteBudget`).
    case slow
    /// Its stream lasted its stream's `timeout` and the server ended it.
    case timeout
    /// The server stopped gracefully.
    case shutdown
    /// The application closed, dropped or denied it.
    case closed
    /// A reload of the application removed its path.
    case reload
    /// The application failed while handling it.
    case error
}
