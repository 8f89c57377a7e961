internal import CHiredis
internal import CHiredisShim
import NIOCore

/// hiredis's RESP reader for one connection: bytes in as they arrive, whole replies out.
///
/// Not thread-safe: it belongs to one channel handler, on that channel's loop.
final class RedisReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>
    private let allocator: ByteBufferAllocator

    init(allocator: ByteBufferAllocator) {
        guard let reader = redisReaderCreate() else { fatalError("hiredis: cannot allocate a reply reader") }
        self.reader = reader
        self.allocator = allocator
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Hands the readable bytes of `buffer` to the reader (which copies them).
    func feed(_ buffer: ByteBuffer) throws(RESPReaderError) {
        let status = buffer.withUnsafeReadableBytes { bytes in
            redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard status == REDIS_OK else { throw RESPReaderError(reason: lastError) }
    }

    /// The next complete reply, or nil until more bytes arrive.
    func next() throws(RESPReaderError) -> RedisValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &reply) == REDIS_OK else { throw RESPReaderError(reason: lastError) }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        return RedisValue(reply: reply.assumingMemoryBound(to: redisReply.self), allocator: allocator)
    }

    private var lastError: String {
        String(cString: chiredis_reader_error(reader))
    }
}

extension RedisValue {
    /// Converts one reply object of hiredis's default reader (the caller frees it).
    init(reply: UnsafePointer<redisReply>, allocator: ByteBufferAllocator) {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            self = .bulkString(allocator.buffer(bytes: UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_STATUS:
            self = .simpleString(Self.text(reply))
        case REDIS_REPLY_ERROR:
            self = .error(Self.text(reply))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(reply.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(reply.elements)
            for index in 0..<reply.elements {
                elements.append(RedisValue(reply: reply.element[index]!, allocator: allocator))
            }
            self = .array(elements)
        default:  // REDIS_REPLY_NIL
            self = .null
        }
    }

    private static func text(_ reply: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self)
    }
}
