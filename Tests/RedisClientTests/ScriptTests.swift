import NIOCore
import RedisClient
import Testing

/// Server-side Lua: `EVALSHA`, and `EVAL` when Redis answers `NOSCRIPT`.
@Suite(.timeLimit(.minutes(1))) struct ScriptTests {
    static let incrementBy = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")

    @Test func theSHA1IsTheOneRedisComputes() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            let loaded = try await redis.send(["SCRIPT", "LOAD", Self.incrementBy.source]).value()
            #expect(loaded.string == Self.incrementBy.sha1)
            #expect(RedisScript("").sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
            try await redis.close().value()
        }
    }

    @Test func runsByHashAndSendsTheSourceOnlyWhenRedisLacksIt() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            #expect(try await redis.run(Self.incrementBy, keys: ["n"], arguments: ["5"]).value() == .integer(5))
            #expect(try await redis.run(Self.incrementBy, keys: ["n"], arguments: ["2"]).value() == .integer(7))
            _ = try await redis.send(["SCRIPT", "FLUSH"]).value()
            let bytes = try await redis.run(
                Self.incrementBy, keys: [ByteBuffer(string: "n")], arguments: [ByteBuffer(string: "3")]
            ).value()
            #expect(bytes == .integer(10))
            #expect(try await redis.run(Self.incrementBy, keys: ["n"], arguments: ["1"]).value() == .integer(11))

            let stats = try await redis.send(["INFO", "commandstats"]).value().string ?? ""
            #expect(calls("evalsha", in: stats) == 4, "every run tries the hash first")
            #expect(calls("eval", in: stats) == 2, "the source went twice: first use and after SCRIPT FLUSH")
            try await redis.close().value()
        }
    }

    @Test func errorsFromTheScriptFailTheRun() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            let failing = RedisScript("return redis.error_reply('TOPIC_FULL history is full')")
            let error = await #expect(throws: RedisError.self) { try await redis.run(failing).value() }
            #expect(error == .reply("TOPIC_FULL history is full"))
            let broken = RedisScript("this is not lua")
            let syntax = await #expect(throws: RedisError.self) { try await redis.run(broken).value() }
            #expect(syntax?.replyCode == "ERR")
            try await redis.close().value()
        }
    }

    /// `calls=N` from `cmdstat_NAME:calls=N,…` in `INFO commandstats`.
    private func calls(_ command: String, in stats: String) -> Int? {
        let line = stats.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_\(command):") }
        return line?.split(separator: ":")[1].split(separator: ",").first.flatMap { Int($0.dropFirst("calls=".count)) }
    }
}
