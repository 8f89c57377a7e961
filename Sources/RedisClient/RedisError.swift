/// Why a Redis command, subscription or connection failed.
public enum RedisError: Error, Sendable, Hashable {
    /// No usable link to Redis: not connected yet, reconnecting, or the link dropped while the
    /// command was in flight (its effect on the server is then unknown).
    case unavailable
    /// The client was closed; it sends nothing more.
    case closed
    /// Redis answered with an error reply, e.g. `ERR unknown command 'NOPE'` or
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`.
    case reply(String)

    /// For ``reply(_:)``: the error's code, the first word (`ERR`, `WRONGTYPE`, `NOSCRIPT`, …).
    public var replyCode: Substring? {
        guard case .reply(let message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unavailable: return "redis unavailable"
        case .closed: return "redis client closed"
        case .reply(let message): return message
        }
    }
}

/// hiredis's reader found bytes that are not RESP; the link is dropped (and logged with this).
struct RESPReaderError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "redis protocol error: \(reason)" }
}
