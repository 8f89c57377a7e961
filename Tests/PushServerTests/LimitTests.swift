import EventStream
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PushServer

/// The server's own limits, each a status and a one-line message (431, 413 and
/// the request timeout are in ConnectionHandlerTests).
@Suite struct LimitTests {
    @Test func streamsPastMaxClientsAre503WithRetryAfter() throws {
        let server = EmbeddedServer { $0.maxClients = 1 }
        let first = try server.connect()
        #expect(try server.exchange(first, "GET /sse HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK\r\n"))
        let second = try server.connect()
        let refused = try server.exchange(second, "GET /sse HTTP/1.1\r\n\r\n")
        #expect(
            refused
                == plain("503 Service Unavailable", "too many clients, retry later\n", headers: "Retry-After: 5\r\n"))
        #expect(second.isActive, "a plain refusal keeps the connection")
        #expect(try server.exchange(second, "POST /post HTTP/1.1\r\nContent-Length: 0\r\n\r\n") == "")
        #expect(server.application.requests.count == 1, "handlers are not streams: not limited")
        _ = try first.close().wait()
        server.loop.run()
        let third = try server.connect()
        #expect(
            try server.exchange(third, "GET /sse HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK\r\n"),
            "the slot is free again")
    }

    @Test func closeWaitsForTheLastBytesThenCloses() throws {
        let server = EmbeddedServer()
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\nConnection: close\r\n\r\n")
        try server.hub.publish(ServerSentEvent(data: "last"), to: "/sse")
        server.hub.close(server.application.connected[0])
        #expect(try server.output(channel) == chunk("data: last\n\n") + "0\r\n\r\n")
        #expect(!channel.isActive)
    }

    @Test func shutdownEndsEveryStreamAfterWhatWasSent() throws {
        let server = EmbeddedServer()
        let streams = try (0..<3).map { _ in try server.connect() }
        for channel in streams { _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n") }
        let idle = try server.connect()
        try server.hub.publish(ServerSentEvent(data: "bye", event: "final"), to: "/sse")
        // As `PushServer.stop()` does: the hub's batch first, the shard's close-all behind it.
        server.hub.flush()
        let shard = server.shard
        let closed = server.loop.flatSubmit { shard.closeAll() }
        server.loop.run()
        #expect(throws: Never.self) { try closed.wait() }
        for channel in streams {
            #expect(try server.output(channel) == chunk("event: final\ndata: bye\n\n") + "0\r\n\r\n")
            #expect(!channel.isActive)
        }
        #expect(!idle.isActive)
    }

    /// A stream still pending (the application has not opened it) when the server
    /// stops goes as `shutdown`: its connection closing does not make it the peer's doing.
    @Test func aPendingClientAtShutdownGoesAsShutdown() throws {
        let server = EmbeddedServer()
        server.application.onConnect = { _, client in client.isHeldPending = true }
        let channel = try server.connect()
        _ = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\n")
        let client = try #require(server.application.connected.first)
        let shard = server.shard
        let closed = server.loop.flatSubmit { shard.closeAll() }
        server.loop.run()
        #expect(throws: Never.self) { try closed.wait() }
        #expect(!channel.isActive)
        #expect(server.application.reasons[client.id] == .shutdown, "\(server.application.reasons)")
    }
}

/// Connections past what the descriptors leave room for are answered and closed.
@Suite struct ConnectionCapacityTests {
    @Test func aConnectionPastTheCapacityIsAnswered503AndClosed() throws {
        let server = EmbeddedServer()
        server.state.connectionCapacity.store(1, ordering: .relaxed)
        let first = try server.connect()
        #expect(try server.exchange(first, "GET /sse HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK\r\n"))
        let second = try server.connect()
        let refused = try server.exchange(second, "GET /sse HTTP/1.1\r\n\r\n")
        #expect(refused.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(refused)")
        #expect(refused.contains("Retry-After: 5\r\n") && refused.contains("Connection: close\r\n"))
        #expect(refused.hasSuffix("too many connections, retry later\n"))
        #expect(!second.isActive, "closed at once: its descriptor is wanted")
        #expect(server.application.connected.count == 1, "the hub never heard of it")
        _ = try first.close().wait()
        server.loop.run()
        let third = try server.connect()
        #expect(try server.exchange(third, "GET /sse HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK\r\n"), "room again")
    }
}

/// Stream slots are given back by the request that took them.
@Suite struct StreamSlotTests {
    /// Found by the fuzzer (Fuzz/HTTPRequest): a stream request pipelined behind a
    /// denied one took its slot before the denied one gave its own back, which was
    /// then never given back; each such pair leaked a slot, until every stream got 503.
    @Test func aDeniedStreamGivesItsSlotBackBeforeThePipelinedNextOne() throws {
        let server = EmbeddedServer { $0.maxClients = 1 }
        var first = true
        server.application.onConnect = { hub, client in
            if first { hub.deny(client, status: .forbidden, message: "not yet") }
            first = false
        }
        let channel = try server.connect()
        let out = try server.exchange(channel, "GET /sse HTTP/1.1\r\n\r\nGET /sse HTTP/1.1\r\n\r\n")
        #expect(out.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(out.contains("HTTP/1.1 200 OK\r\n"), "the second one has the only slot: \(out)")
        _ = try channel.close().wait()
        server.loop.run()
        #expect(server.state.streamSlotsTaken == 0, "every slot is back")
    }
}
