import NIOCore
import RedisClient
import Testing

/// What the URL asks for on connect: `AUTH` (password, or ACL user and password) and `SELECT`.
@Suite(.timeLimit(.minutes(1))) struct AuthTests {
    @Test func passwordFromTheURLAndTheDatabase() async throws {
        try await withRedis(arguments: ["--requirepass", "s3cret"]) { server, loop in
            let url = "redis://:s3cret@127.0.0.1:\(server.port)/2"
            let redis = RedisConnection(
                configuration: RedisConfiguration(url: try RedisURL(parsing: url)), eventLoop: loop)
            try await redis.start().value()
            let info = try await redis.send(["CLIENT", "INFO"]).value().string ?? ""
            #expect(info.contains(" db=2 "), "SELECT 2 on connect: \(info)")
            _ = try await redis.send(["SET", "k", "in db 2"]).value()
            try await redis.close().value()

            // The same key is not in database 0.
            let zero = RedisConnection(configuration: .local(server, path: ""), eventLoop: loop, logger: quietLogger)
            try await zero.start().value()
            let noAuth = await #expect(throws: RedisError.self) { try await zero.send(["GET", "k"]).value() }
            #expect(noAuth?.replyCode == "NOAUTH", "without a password in the URL Redis refuses commands")
            _ = try await zero.send(["AUTH", "s3cret"]).value()
            #expect(try await zero.send(["GET", "k"]).value() == .null)
            try await zero.close().value()
        }
    }

    @Test func theHandshakeIsRepeatedOnEveryReconnect() async throws {
        try await withRedis(arguments: ["--requirepass", "s3cret"]) { server, loop in
            let url = "redis://:s3cret@127.0.0.1:\(server.port)/5"
            let redis = RedisConnection(
                configuration: RedisConfiguration(url: try RedisURL(parsing: url)), eventLoop: loop, logger: quietLogger
            )
            try await redis.start().value()
            try server.restart()
            try await waitUntil {
                (try? await redis.send(["CLIENT", "INFO"]).value())?.string?.contains(" db=5 ") == true
            }
            try await redis.close().value()
        }
    }

    @Test func aclUserAndPassword() async throws {
        try await withRedis(arguments: ["--requirepass", "admin"]) { server, loop in
            let admin = RedisConnection(
                configuration: RedisConfiguration(url: try RedisURL(parsing: "redis://admin@127.0.0.1:\(server.port)")),
                eventLoop: loop)
            try await admin.start().value()
            _ = try await admin.send(["ACL", "SETUSER", "alice", "on", ">wonder land", "~*", "&*", "+@all"]).value()
            let alice = RedisConnection(
                configuration: RedisConfiguration(
                    url: try RedisURL(parsing: "redis://alice:wonder%20land@127.0.0.1:\(server.port)")),
                eventLoop: loop)
            try await alice.start().value()
            #expect(try await alice.send(["ACL", "WHOAMI"]).value().string == "alice")
            try await alice.close().value()
            try await admin.close().value()
        }
    }

    @Test func aWrongPasswordNeverConnects() async throws {
        try await withRedis(arguments: ["--requirepass", "right"]) { server, loop in
            let states = Recorder<RedisLinkState>()
            let redis = RedisConnection(
                configuration: RedisConfiguration(
                    url: try RedisURL(parsing: "redis://:wrong@127.0.0.1:\(server.port)")),
                eventLoop: loop, logger: quietLogger, onStateChange: { states.append($0) })
            let started = redis.start()
            try await Task.sleep(for: .milliseconds(500))
            let error = await #expect(throws: RedisError.unavailable) { try await redis.send(["PING"]).value() }
            #expect(error?.description == "redis unavailable")
            #expect(states.all.isEmpty)
            try await redis.close().value()
            await #expect(throws: RedisError.closed) { try await started.value() }
        }
    }
}
