internal import NIOCore
internal import NIOSSL

#if canImport(Glibc)
    internal import Glibc
#endif

/// Why a feed could not be read: the server's answer was not an event stream.
public enum FeedError: Error, Hashable, CustomStringConvertible {
    /// The response's status was not 200.
    case status(Int, String)
    /// Status 200 with a `Content-Type` other than `text/event-stream` (EventSource refuses those too).
    case notAnEventStream(contentType: String)
    /// The URL cannot be used: the reason.
    case badURL(String)
    /// The test cannot run as asked (too many connections for the open-file limit): the reason.
    case cannotRun(String)

    public var description: String {
        switch self {
        case .status(let code, let reason):
            "the server answered \(code) \(reason), not 200"
        case .notAnEventStream(let contentType):
            "the server answered with Content-Type \(contentType.isEmpty ? "(none)" : contentType), not text/event-stream"
        case .badURL(let reason), .cannotRun(let reason):
            reason
        }
    }
}

extension FeedError {
    /// `error` as one short line for a person: a socket error by its `strerror` text, a TLS
    /// failure by what to do about it, anything else by its description.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        if let error = error as? NIOSSLError {
            let detail = "\(error)"
            if detail.contains("CERTIFICATE_VERIFY_FAILED") {
                return "the server's TLS certificate is not trusted (-k accepts any, for a self-signed one)"
            }
            return detail.contains("WRONG_VERSION_NUMBER")
                ? "TLS handshake failed: the server does not speak TLS there (http:// instead?)"
                : "TLS handshake failed: \(detail)"
        }
        return "\(error)"
    }
}
