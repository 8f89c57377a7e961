import NIOCore
import NIOPosix
import RedisClient
import Testing

/// Commands and replies against a real redis-server.
@Suite(.timeLimit(.minutes(1))) struct CommandTests {
    @Test func repliesOfEveryType() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            #expect(try await redis.send(["PING"]).value() == .simpleString("PONG"))
            #expect(try await redis.send(["SET", "greeting", "héllo"]).value() == .simpleString("OK"))
            #expect(try await redis.send(["GET", "greeting"]).value().string == "héllo")
            #expect(try await redis.send(["GET", "missing"]).value() == .null)
            #expect(try await redis.send(["INCRBY", "n", "-5"]).value() == .integer(-5))
            #expect(try await redis.send(["RPUSH", "list", "a", "", "c"]).value() == .integer(3))
            #expect(
                try await redis.send(["LRANGE", "list", "0", "-1"]).value()
                    == .array([
                        .bulkString(ByteBuffer(string: "a")), .bulkString(ByteBuffer()),
                        .bulkString(ByteBuffer(string: "c")),
                    ]))
            #expect(try await redis.send(["LRANGE", "nothing", "0", "-1"]).value() == .array([]))
            let nested = try await redis.send(["EVAL", "return {1, {'two', {3}}, false}", "0"]).value()
            #expect(
                nested
                    == .array([
                        .integer(1), .array([.bulkString(ByteBuffer(string: "two")), .array([.integer(3)])]), .null,
                    ]))
            try await redis.close().value()
        }
    }

    @Test func binaryValuesRoundTrip() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            let bytes = ByteBuffer(bytes: (0...255).map { UInt8($0) } + [13, 10, 0])
            let key = ByteBuffer(bytes: [0, 1, 2, 13, 10])
            _ = try await redis.send([ByteBuffer(string: "SET"), key, bytes]).value()
            #expect(try await redis.send([ByteBuffer(string: "GET"), key]).value() == .bulkString(bytes))
            #expect(try await redis.send([ByteBuffer(string: "STRLEN"), key]).value() == .integer(259))
            try await redis.close().value()
        }
    }

    @Test func errorRepliesFailTheCommandAndLeaveTheConnectionUsable() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            let unknown = await #expect(throws: RedisError.self) { try await redis.send(["NOPE", "x"]).value() }
            #expect(unknown?.replyCode == "ERR")
            #expect("\(unknown!)".hasPrefix("ERR unknown command 'NOPE'"))
            _ = try await redis.send(["SET", "s", "text"]).value()
            let wrongType = await #expect(throws: RedisError.self) {
                try await redis.send(["LPUSH", "s", "x"]).value()
            }
            #expect(wrongType?.replyCode == "WRONGTYPE")
            #expect(try await redis.send(["PING"]).value() == .simpleString("PONG"), "still usable")
            // Inside an array an error is a value: the results of EXEC.
            _ = try await redis.send(["MULTI"]).value()
            _ = try await redis.send(["INCR", "s"]).value()
            _ = try await redis.send(["GET", "s"]).value()
            let results = try await redis.send(["EXEC"]).value()
            #expect(
                results
                    == .array([
                        .error("ERR value is not an integer or out of range"), .bulkString(ByteBuffer(string: "text")),
                    ]))
            try await redis.close().value()
        }
    }

    @Test func tenThousandPipelinedIncrsAnswerInOrder() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            // Half sent from the test's thread (each hops to the loop), half in one tick on the loop.
            var replies = (0..<5_000).map { _ in redis.send(["INCR", "counter"]) }
            replies += try await loop.submit { (0..<5_000).map { _ in redis.send(["INCR", "counter"]) } }.value()
            var values: [Int64] = []
            for reply in replies { values.append(try await reply.value().integer ?? -1) }
            #expect(values == Array(1...10_000))
            #expect(try await redis.send(["GET", "counter"]).value().integer == 10_000)
            try await redis.close().value()
        }
    }

    @Test func futuresCompleteOnTheLoopTheCallerNamed() async throws {
        let other = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await withRedis { server, scriptLoop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: scriptLoop, logger: quietLogger)
            try await redis.start().value()
            let onScriptLoop = try await other.next().submit {
                redis.send(["PING"]).map { _ in scriptLoop.inEventLoop }
            }.value().value()
            #expect(onScriptLoop)
            try await redis.close().value()
        }
        try await other.shutdownGracefully()
    }

    @Test func closeLetsRepliesInFlightArriveThenRefusesCommands() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            let (replies, closed) = try await loop.submit {
                ((0..<1_000).map { _ in redis.send(["INCR", "c"]) }, redis.close())
            }.value()
            try await closed.value()
            #expect(try await replies.last!.value() == .integer(1_000))
            let error = await #expect(throws: RedisError.closed) { try await redis.send(["PING"]).value() }
            #expect(error?.description == "redis client closed")
        }
    }

    @Test func commandsBeforeTheFirstConnectionFailAtOnce() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            let error = await #expect(throws: RedisError.unavailable) { try await redis.send(["PING"]).value() }
            #expect(error?.description == "redis unavailable")
            try await redis.start().value()
            #expect(try await redis.send(["PING"]).value() == .simpleString("PONG"))
            try await redis.close().value()
        }
    }
}
