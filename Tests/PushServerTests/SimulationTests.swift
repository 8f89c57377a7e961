import EventStream
@_spi(Simulation) import PushServer
import Testing

/// The hub and shards with many clients and no sockets: what a client costs
/// does not depend on how many there are (the benchmarks measure it; these
/// check that the simulation is the real thing).
@Suite struct SimulationTests {
    @Test func publishReachesEverySubscriberOnceAndDisconnectsAreCounted() throws {
        let simulation = ServerSimulation(shardCount: 2)
        let ids = simulation.connect(10_000)
        #expect(simulation.openStreams == 10_000)
        #expect(simulation.onHub { $0.count(topic: "/sse") } == 10_000)
        let reached = try simulation.onHub { try $0.publish(ServerSentEvent(data: "x", id: "1"), to: "/sse") }
        #expect(reached == 10_000)
        #expect(simulation.delivered.frames == 10_000, "one frame each")
        simulation.disconnect(ids.prefix(4_000))
        #expect(simulation.onHub { $0.count(topic: "/sse") } == 6_000)
        #expect(try simulation.onHub { try $0.broadcast(ServerSentEvent(data: "y")) } == 6_000)
        simulation.disconnect(ids.dropFirst(4_000))
        #expect(simulation.onHub { $0.count() } == 0)
    }

    @Test func aResumingClientGetsTheHistoryAfterItsID() throws {
        let simulation = ServerSimulation(shardCount: 2)
        simulation.connect(1)
        for n in 1...5 {
            _ = try simulation.onHub { try $0.publish(ServerSentEvent(data: "\(n)", id: "\(n)"), to: "/sse") }
        }
        let before = simulation.delivered.frames
        simulation.connect(1, lastEventID: "2")
        #expect(simulation.delivered.frames - before == 3, "3, 4 and 5")
    }
}
