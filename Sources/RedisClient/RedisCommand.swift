internal import CHiredis
public import NIOCore

/// One command, already in RESP form (formatted by hiredis's `redisFormatCommandArgv`).
///
/// Formatting is pure, so it happens on the caller's thread, before the hop to the
/// connection's loop.
public struct RedisCommand: Sendable {
    /// The encoded command, ready for the socket.
    public let bytes: ByteBuffer

    /// A command from text arguments: `RedisCommand(["SET", "key", "value"])`.
    public init(_ arguments: [String]) {
        bytes = Self.format(arguments.map(\.utf8))
    }

    /// A command from byte arguments (binary-safe keys and values).
    public init(_ arguments: [ByteBuffer]) {
        bytes = Self.format(arguments.map(\.readableBytesView))
    }

    /// Copies the arguments into one contiguous block, points hiredis at each, and
    /// copies hiredis's result into a `ByteBuffer`.
    private static func format<Argument: Collection<UInt8>>(_ arguments: [Argument]) -> ByteBuffer {
        precondition(!arguments.isEmpty, "a Redis command needs at least its name")
        var joined: [UInt8] = []
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            joined.append(contentsOf: argument)
            lengths.append(argument.count)
        }
        joined.append(0)  // never empty, so the base address is never nil
        return joined.withUnsafeBufferPointer { block in
            let base = UnsafeRawPointer(block.baseAddress!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(lengths.count)
            var offset = 0
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            var target: UnsafeMutablePointer<CChar>?
            let count = redisFormatCommandArgv(&target, Int32(lengths.count), &pointers, lengths)
            guard count >= 0, let target else { fatalError("hiredis: cannot allocate a command") }
            defer { redisFreeCommand(target) }
            return ByteBufferAllocator().buffer(bytes: UnsafeRawBufferPointer(start: target, count: Int(count)))
        }
    }
}
