import EventStream
@_spi(Simulation) import PushServer
import Testing

/// A shard finds its endpoints by slot; a freed slot comes back under a new id.
@Suite struct EndpointTableTests {
    @Test func aFreedSlotComesBackUnderANewIDAndTheOldIDFindsNothing() throws {
        let simulation = ServerSimulation(shardCount: 2)
        let first = simulation.connect(1_000)
        simulation.disconnect(first)
        let second = simulation.connect(1_000)
        #expect(Set(first + second).count == 2_000, "no id is given twice")
        #expect(Set(second.map { $0 % 2 }) == [0, 1], "each loop's ids name it")
        #expect(simulation.onHub { hub in first.compactMap { hub.client(atEndpoint: $0) } }.isEmpty)
        #expect(simulation.openStreams == 1_000)
        // What is said to a gone id reaches nobody, even with its slot in use: the
        // stream now in it stays, and gets what is published.
        simulation.disconnect(first)
        #expect(simulation.onHub { hub in second.compactMap { hub.client(atEndpoint: $0) } }.count == 1_000)
        let before = simulation.delivered.frames
        _ = try simulation.onHub { try $0.publish(ServerSentEvent(data: "x"), to: "/sse") }
        #expect(simulation.delivered.frames - before == 1_000, "one frame each to the streams in the slots")
        #expect(simulation.framesAfterDisconnect == 0)
    }
}
