import NIOCore
import NIOEmbedded
import Testing

@testable import RedisClient

/// The channel handler on an `EmbeddedChannel`: pairing, flushing, pushes, drops.
@Suite struct ChannelHandlerTests {
    private func connectedChannel(
        onMessage: ((ByteBuffer, ByteBuffer) -> Void)? = nil
    ) throws -> (EmbeddedChannel, RedisChannelHandler) {
        let channel = EmbeddedChannel()
        let handler = RedisChannelHandler(logger: quietLogger, onMessage: onMessage)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return (channel, handler)
    }

    private func send(_ arguments: [String], on handler: RedisChannelHandler, _ channel: EmbeddedChannel)
        -> EventLoopFuture<RedisValue>
    {
        let promise = channel.embeddedEventLoop.makePromise(of: RedisValue.self)
        handler.send(RedisCommand(arguments), promise: promise)
        return promise.futureResult
    }

    @Test func repliesCompleteCommandsInOrderAndABurstIsFlushedOnce() throws {
        let (channel, handler) = try connectedChannel()
        let replies = (0..<3).map { send(["GET", "k\($0)"], on: handler, channel) }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing flushed within the tick")
        channel.embeddedEventLoop.run()
        let burst = (0..<3).map { "*2\r\n$3\r\nGET\r\n$2\r\nk\($0)\r\n" }.joined()
        #expect(try channel.readOutbound(as: ByteBuffer.self)?.text == burst, "the burst leaves as one write")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "$1\r\na\r\n-WRONGTYPE no\r\n$-"))
        #expect(try replies[0].wait() == .bulkString(ByteBuffer(string: "a")))
        #expect(throws: RedisError.reply("WRONGTYPE no")) { try replies[1].wait() }
        try channel.writeInbound(ByteBuffer(string: "1\r\n"))
        #expect(try replies[2].wait() == .null)
        #expect(handler.inFlight == 0)
    }

    @Test func aDropFailsEveryCommandInFlightAndLaterOnesAtOnce() throws {
        let (channel, handler) = try connectedChannel()
        let replies = (0..<2).map { _ in send(["BLPOP", "q", "0"], on: handler, channel) }
        try channel.close().wait()
        for reply in replies {
            #expect(throws: RedisError.unavailable) { try reply.wait() }
        }
        #expect(throws: RedisError.unavailable) { try send(["PING"], on: handler, channel).wait() }
    }

    @Test func bytesThatAreNotRESPDropTheLink() throws {
        let (channel, handler) = try connectedChannel()
        let reply = send(["PING"], on: handler, channel)
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n"))
        #expect(throws: RedisError.unavailable) { try reply.wait() }
        #expect(!channel.isActive)
    }

    @Test func aReplyNobodyAskedForDropsTheLink() throws {
        let (channel, _) = try connectedChannel()
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(!channel.isActive)
    }

    @Test func pubSubMessagesGoToTheSinkAndConfirmationsToTheirCommand() throws {
        var messages: [String] = []
        let (channel, handler) = try connectedChannel { channel, payload in
            messages.append("\(channel.text)=\(payload.text)")
        }
        let confirmation = send(["SUBSCRIBE", "news"], on: handler, channel)
        try channel.writeInbound(
            ByteBuffer(
                string: "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
                    + "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$0\r\n\r\n"
            ))
        #expect(try confirmation.wait().array?.first?.string == "subscribe")
        #expect(messages == ["news=hi", "news="])
    }

    @Test func closeWhenIdleWaitsForTheRepliesInFlight() throws {
        let (channel, handler) = try connectedChannel()
        let reply = send(["INCR", "n"], on: handler, channel)
        handler.closeWhenIdle()
        #expect(channel.isActive, "a reply is still due")
        #expect(throws: RedisError.unavailable) { try send(["PING"], on: handler, channel).wait() }
        try channel.writeInbound(ByteBuffer(string: ":1\r\n"))
        #expect(try reply.wait() == .integer(1))
        #expect(!channel.isActive)
    }
}
