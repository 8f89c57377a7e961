import Logging
import NIOCore

/// The handler at the end of one Redis channel: writes commands, feeds what arrives to
/// hiredis's reader, and completes the commands' promises in the order they were sent
/// (Redis answers a connection's commands in order, so a FIFO queue pairs them).
///
/// Commands are copied into one outbound buffer, which a task queued behind the first of
/// them writes and flushes once: a burst sent in one loop tick leaves in one write.
/// On a subscriber link, pub/sub `message` pushes go to `onMessage` instead of
/// the queue. When the channel goes inactive every waiting command fails with
/// ``RedisError/unavailable``.
final class RedisChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let onMessage: ((ByteBuffer, ByteBuffer) -> Void)?
    private let logger: Logger
    private var reader: RedisReplyReader?
    private var waiting = CircularBuffer<EventLoopPromise<RedisValue>>(initialCapacity: 64)
    private var context: ChannelHandlerContext?
    private var isOpen = false
    private var flushScheduled = false
    /// Commands sent since the last flush, copied together so a burst is one write.
    private var outbound = ByteBuffer()
    private var closesWhenIdle = false

    /// `onMessage(channel, payload)` receives pub/sub messages; nil on a command link.
    init(logger: Logger, onMessage: ((ByteBuffer, ByteBuffer) -> Void)? = nil) {
        self.logger = logger
        self.onMessage = onMessage
    }

    /// Commands sent and not yet answered.
    var inFlight: Int { waiting.count }

    /// Writes `command`; `promise` completes with its reply (an error reply fails it with
    /// ``RedisError/reply(_:)``), or fails with ``RedisError/unavailable`` if the link is down.
    func send(_ command: RedisCommand, promise: EventLoopPromise<RedisValue>) {
        guard isOpen, !closesWhenIdle, let context else {
            promise.fail(RedisError.unavailable)
            return
        }
        waiting.append(promise)
        outbound.writeImmutableBuffer(command.bytes)
        guard !flushScheduled else { return }
        flushScheduled = true
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { handler.value.flushOutbound() }
    }

    /// Writes what this tick's commands added to `outbound`, in one write and one flush.
    private func flushOutbound() {
        flushScheduled = false
        guard let context, isOpen, outbound.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(outbound), promise: nil)
        outbound = context.channel.allocator.buffer(capacity: 512)
    }

    /// Closes the channel once every command sent has its reply (at once if none is waiting).
    func closeWhenIdle() {
        closesWhenIdle = true
        if waiting.isEmpty { context?.close(promise: nil) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        reader = RedisReplyReader(allocator: context.channel.allocator)
        // Open from the start: the handshake writes as soon as the connect future succeeds,
        // which NIO completes just before it fires channelActive (writes are buffered then).
        isOpen = true
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        isOpen = false
        failAll()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        isOpen = false
        failAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let reader else { return }
        do {
            try reader.feed(unwrapInboundIn(data))
            while isOpen, let value = try reader.next() {
                deliver(value, context: context)
            }
        } catch {
            drop(context: context, reason: "\(error)")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        drop(context: context, reason: "\(error)")
    }

    private func deliver(_ value: RedisValue, context: ChannelHandlerContext) {
        if let onMessage, let (channel, payload) = Self.message(value) {
            onMessage(channel, payload)
            return
        }
        guard let promise = waiting.popFirst() else {
            drop(context: context, reason: "a reply nobody asked for: \(value)")
            return
        }
        if case .error(let message) = value {
            promise.fail(RedisError.reply(message))
        } else {
            promise.succeed(value)
        }
        if closesWhenIdle && waiting.isEmpty { context.close(promise: nil) }
    }

    /// `["message", channel, payload]`, the push Redis sends a subscriber.
    private static func message(_ value: RedisValue) -> (ByteBuffer, ByteBuffer)? {
        guard case .array(let parts) = value, parts.count == 3,
            case .bulkString(let kind) = parts[0], kind.readableBytesView.elementsEqual("message".utf8),
            case .bulkString(let channel) = parts[1], case .bulkString(let payload) = parts[2]
        else { return nil }
        return (channel, payload)
    }

    private func drop(context: ChannelHandlerContext, reason: String) {
        guard isOpen else { return }
        logger.warning("redis link dropped", metadata: ["reason": "\(reason)"])
        isOpen = false
        failAll()
        context.close(promise: nil)
    }

    private func failAll() {
        guard !waiting.isEmpty else { return }
        let failed = waiting
        waiting.removeAll()
        for promise in failed { promise.fail(RedisError.unavailable) }
    }
}

@available(*, unavailable)
extension RedisChannelHandler: Sendable {}
