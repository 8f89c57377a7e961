import NIOCore
import RedisClient
import Testing

/// Pub/sub on its own connection, against a real redis-server.
@Suite(.timeLimit(.minutes(1))) struct PubSubTests {
    @Test func messagesArriveInOrderUntilUnsubscribed() async throws {
        try await withRedis { server, loop in
            let messages = Recorder<String>()
            let subscriber = RedisSubscriber(configuration: .local(server), eventLoop: loop, logger: quietLogger) {
                channel, payload in messages.append("\(channel): \(payload.text)")
            }
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await subscriber.start().value()
            try await redis.start().value()
            try await subscriber.subscribe("news").value()
            try await subscriber.subscribe("sport").value()
            #expect(try await subscriber.channels().value() == ["news", "sport"])

            #expect(try await redis.send(["PUBLISH", "news", "first"]).value() == .integer(1), "one subscriber")
            for index in 1...100 {
                _ = redis.send(["PUBLISH", index.isMultiple(of: 2) ? "news" : "sport", "\(index)"])
            }
            _ = redis.send(["PUBLISH", "weather", "nobody listens"])
            let expected = ["news: first"] + (1...100).map { "\($0.isMultiple(of: 2) ? "news" : "sport"): \($0)" }
            try await messages.waitFor { $0.count >= 101 }
            #expect(messages.all == expected)

            try await subscriber.unsubscribe("news").value()
            #expect(try await redis.send(["PUBLISH", "news", "after"]).value() == .integer(0))
            #expect(try await redis.send(["PUBLISH", "sport", "still"]).value() == .integer(1))
            try await messages.waitFor { $0.last == "sport: still" }
            #expect(!messages.all.contains("news: after"))
            #expect(try await subscriber.channels().value() == ["sport"])

            try await subscriber.close().value()
            try await redis.close().value()
        }
    }

    @Test func binaryPayloadsAndChannelsSubscribedBeforeStart() async throws {
        try await withRedis { server, loop in
            let payloads = Recorder<ByteBuffer>()
            let subscriber = RedisSubscriber(configuration: .local(server), eventLoop: loop, logger: quietLogger) {
                _, payload in payloads.append(payload)
            }
            // Before the first connection: refused for now, but kept and subscribed on connect.
            await #expect(throws: RedisError.unavailable) { try await subscriber.subscribe("early").value() }
            try await subscriber.start().value()
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            let bytes = ByteBuffer(bytes: [0, 13, 10, 255, 36])
            #expect(
                try await redis.send([ByteBuffer(string: "PUBLISH"), ByteBuffer(string: "early"), bytes]).value()
                    == .integer(1))
            try await payloads.waitFor { $0 == [bytes] }
            try await subscriber.close().value()
            try await redis.close().value()
        }
    }
}
