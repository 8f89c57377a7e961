import EventStream
@_spi(Simulation) import PushServer
import Testing

/// The I/O loops know a topic by its slot, and a slot is used again once its
/// topic has no subscribers: a publish to the new topic reaches only its own.
@Suite struct TopicSlotTests {
    @Test func aSlotUsedAgainInTheSameBatchReachesOnlyTheNewTopicsSubscriber() throws {
        let simulation = ServerSimulation(shardCount: 2)
        let ids = simulation.connect(4)
        let (a, b) = (ids[0], ids[2])  // on the same loop
        simulation.onHub { hub in
            hub.subscribe(hub.client(atEndpoint: a)!, to: "x")
            hub.unsubscribe(hub.client(atEndpoint: a)!, from: "x")  // x has none: its slot is free
            hub.subscribe(hub.client(atEndpoint: b)!, to: "y")  // and y takes it
        }
        let before = ids.map(simulation.frames(of:))
        _ = try publish("x", in: simulation)
        #expect(try publish("y", in: simulation) == 1)
        #expect(ids.map(simulation.frames(of:)) == zip(before, [0, 0, 1, 0]).map { $0 + $1 })
    }

    @Test func aSlotFreedByADisconnectReachesOnlyTheNewTopicsSubscriber() throws {
        let simulation = ServerSimulation(shardCount: 2)
        let ids = simulation.connect(4)
        simulation.onHub { hub in hub.subscribe(hub.client(atEndpoint: ids[0])!, to: "z") }
        simulation.disconnect([ids[0]])  // z's last subscriber gone
        simulation.onHub { hub in
            hub.subscribe(hub.client(atEndpoint: ids[1])!, to: "w")
            hub.subscribe(hub.client(atEndpoint: ids[2])!, to: "w")
        }
        let before = ids.map(simulation.frames(of:))
        _ = try publish("z", in: simulation)
        #expect(try publish("w", in: simulation) == 2)
        #expect(ids.map(simulation.frames(of:)) == zip(before, [0, 1, 1, 0]).map { $0 + $1 })
        #expect(simulation.framesAfterDisconnect == 0, "nothing of w to z's old subscriber")
        // The path's topic still reaches everyone open, through its own slot.
        #expect(try publish("/sse", in: simulation) == 3)
    }

    private func publish(_ topic: String, in simulation: ServerSimulation) throws -> Int {
        try simulation.onHub { try $0.publish(ServerSentEvent(data: topic), to: topic) }
    }
}
