import NIOCore
import RedisClient
import Testing

/// Redis goes away and comes back: fail fast while it is gone, recover by itself.
@Suite(.timeLimit(.minutes(1))) struct ReconnectTests {
    @Test func afterARestartCommandsWorkWithinTwoSecondsAndSubscriptionsAreBack() async throws {
        try await withRedis { server, loop in
            let commandStates = Recorder<RedisLinkState>()
            let subscriberStates = Recorder<RedisLinkState>()
            let messages = Recorder<String>()
            let subscribedAtConnect = Recorder<RedisValue>()
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger) {
                commandStates.append($0)
            }
            let subscriber = RedisSubscriber(
                configuration: .local(server), eventLoop: loop, logger: quietLogger,
                onStateChange: { state in
                    subscriberStates.append(state)
                    // What Redis says at the moment `connected` is reported (command link permitting).
                    // Not on `disconnected`: if the command link saw the drop first, `start()` would
                    // wait for its reconnect and ask then, a third answer racing the second.
                    guard state == .connected else { return }
                    redis.start().flatMap { redis.send(["PUBSUB", "NUMSUB", "a", "b", "c"]) }.whenSuccess {
                        subscribedAtConnect.append($0)
                    }
                }
            ) { channel, payload in messages.append("\(channel): \(payload.text)") }
            try await redis.start().value()
            try await subscriber.start().value()
            try await subscriber.subscribe("a").value()
            try await subscriber.subscribe("b").value()
            _ = try await redis.send(["PUBLISH", "a", "before"]).value()
            try await messages.waitFor { $0 == ["a: before"] }

            server.stop()  // SIGTERM, by pid
            try await commandStates.waitFor { $0 == [.connected, .disconnected] }
            try await subscriberStates.waitFor { $0 == [.connected, .disconnected] }
            for _ in 0..<3 {
                let asked = ContinuousClock.now
                let error = await #expect(throws: RedisError.unavailable) {
                    try await redis.send(["INCR", "n"]).value()
                }
                #expect(error?.description == "redis unavailable")
                // Queued, it would wait for the server, which comes back only after this loop; the
                // bound is loose because a busy machine once took a second (500 ms failed then).
                #expect(ContinuousClock.now - asked < .seconds(2), "refused at once, not queued")
            }
            await #expect(throws: RedisError.unavailable) { try await subscriber.subscribe("c").value() }
            try await subscriber.unsubscribe("b").value()

            try server.start()  // the same port, empty (no persistence)
            let restarted = ContinuousClock.now
            try await waitUntil(seconds: 2) { (try? await redis.send(["PING"]).value()) == .simpleString("PONG") }
            try await subscriberStates.waitFor(seconds: 2) { $0.count == 3 }
            #expect(ContinuousClock.now - restarted < .seconds(2))
            #expect(commandStates.all == [.connected, .disconnected, .connected])
            #expect(subscriberStates.all == [.connected, .disconnected, .connected])

            let expectedSubscriptions = RedisValue.array([
                .bulkString(ByteBuffer(string: "a")), .integer(1), .bulkString(ByteBuffer(string: "b")), .integer(0),
                .bulkString(ByteBuffer(string: "c")), .integer(1),
            ])
            try await subscribedAtConnect.waitFor { $0.count == 2 }
            #expect(subscribedAtConnect.all.last == expectedSubscriptions, "a and c again, b given up while down")
            for channel in ["a", "b", "c"] { _ = try await redis.send(["PUBLISH", channel, "after"]).value() }
            try await messages.waitFor { $0.count == 3 }
            #expect(messages.all == ["a: before", "a: after", "c: after"])
            try await subscriber.close().value()
            try await redis.close().value()
        }
    }

    @Test func commandsInFlightWhenTheLinkDropsFailAsUnavailable() async throws {
        try await withRedis { server, loop in
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await redis.start().value()
            let blocked = redis.send(["BLPOP", "never", "0"])  // waits on the server until the link goes
            let elsewhere = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            try await elsewhere.start().value()
            try await waitUntil {  // the BLPOP is on the server now
                try await elsewhere.send(["CLIENT", "LIST"]).value().string?.contains("cmd=blpop") == true
            }
            _ = try await elsewhere.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]).value()
            let error = await #expect(throws: RedisError.unavailable) { try await blocked.value() }
            #expect(error?.description == "redis unavailable")
            try await waitUntil { (try? await redis.send(["PING"]).value()) == .simpleString("PONG") }
            try await redis.close().value()
            try await elsewhere.close().value()
        }
    }

    @Test func startKeepsTryingUntilRedisComesUp() async throws {
        try await withRedis { server, loop in
            server.stop()
            let states = Recorder<RedisLinkState>()
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger) {
                states.append($0)
            }
            let started = redis.start()
            try await Task.sleep(for: .milliseconds(300))
            await #expect(throws: RedisError.unavailable) { try await redis.send(["PING"]).value() }
            #expect(states.all.isEmpty, "no state change while it never connected")
            try server.start()
            try await started.value()
            #expect(states.all == [.connected])
            try await redis.close().value()
        }
    }

    @Test func closeWhileRedisIsDownStopsRetrying() async throws {
        try await withRedis { server, loop in
            server.stop()
            let redis = RedisConnection(configuration: .local(server), eventLoop: loop, logger: quietLogger)
            let started = redis.start()
            try await Task.sleep(for: .milliseconds(100))
            try await redis.close().value()
            await #expect(throws: RedisError.closed) { try await started.value() }
            try server.start()
            try await Task.sleep(for: .milliseconds(300))
            await #expect(throws: RedisError.closed) { try await redis.send(["PING"]).value() }
        }
    }
}
