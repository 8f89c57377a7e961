public import NIOCore

/// One reply from Redis (RESP2), as hiredis's reader decoded it.
///
/// hiredis 0.14 does not tell a null bulk string (`$-1`) from a null array (`*-1`):
/// both are ``null``.
public enum RedisValue: Sendable, Hashable {
    /// A status reply such as `+OK` or `+PONG`.
    case simpleString(String)
    /// An error reply (`-ERR …`). At the top of a reply it fails the command's future with
    /// ``RedisError/reply(_:)`` instead; it appears as a value only inside an array
    /// (the results of `EXEC`, for example).
    case error(String)
    /// An integer reply (`:42`).
    case integer(Int64)
    /// A bulk string: arbitrary bytes.
    case bulkString(ByteBuffer)
    /// An array (multi-bulk) reply, possibly nested.
    case array([RedisValue])
    /// A null bulk string or null array.
    case null
}

extension RedisValue {
    /// The text of a bulk or simple string (bulk bytes read as UTF-8, repaired if invalid).
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes): return String(buffer: bytes)
        default: return nil
        }
    }

    /// The value of an integer reply, or of a bulk/simple string that spells an integer.
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .bulkString, .simpleString: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The elements of an array reply.
    public var array: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is the null reply.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension RedisValue: CustomStringConvertible {
    /// Close to what `redis-cli` prints, on one line.
    public var description: String {
        switch self {
        case .simpleString(let text): return text
        case .error(let message): return "(error) \(message)"
        case .integer(let value): return "(integer) \(value)"
        case .bulkString(let bytes): return "\"\(String(buffer: bytes))\""
        case .array(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .null: return "(nil)"
        }
    }
}
