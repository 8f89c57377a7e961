// What one client costs the hub and the shards at 1,000, 100,000 and 1,000,000
// clients, in the in-process simulation (`ServerSimulation`: the real Hub, Shard
// and Frame code, streams that count bytes instead of sockets). Each benchmark
// works on 1,000 clients per iteration (`scalingFactor: .kilo`), so its figures
// are per client and must not grow with the size around them.

import Benchmark
import EventStream
@_spi(Simulation) import PushServer

#if canImport(Glibc)
    import Glibc
#endif

let sizes = [1_000, 100_000, 1_000_000]
let batch = 1_000

/// A simulation with `size` clients of `/sse`, each also on a topic of its own.
func simulation(size: Int) -> ServerSimulation {
    let simulation = ServerSimulation(shardCount: 2)
    let ids = simulation.connect(size)
    simulation.onHub { hub in
        for id in ids { hub.client(id).map { hub.subscribe($0, to: "user:\(id)") } }
    }
    return simulation
}

/// Bytes malloc holds now.
func heapBytes() -> Int { Int(mallinfo2().uordblks) }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.cpuTotal, .wallClock, .mallocCountTotal],
        warmupIterations: 1,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 50,
        thresholds: [.cpuTotal: .init(absolute: [.p90: 2_000])]  // ns per client: 2 µs at every size
    )

    for size in sizes {
        Benchmark("subscribe: a client connects and joins a topic, \(size) around") { benchmark, simulation in
            for _ in benchmark.scaledIterations.indices.striding(by: batch) {
                benchmark.startMeasurement()
                let ids = simulation.connect(batch)
                simulation.onHub { hub in
                    for id in ids { hub.client(id).map { hub.subscribe($0, to: "user:\(id)") } }
                }
                benchmark.stopMeasurement()
                simulation.disconnect(ids)
            }
        } setup: {
            simulation(size: size)
        }

        Benchmark("unsubscribe: a client leaves a topic, \(size) around") { benchmark, simulation in
            for _ in benchmark.scaledIterations.indices.striding(by: batch) {
                let ids = simulation.connect(batch)
                benchmark.startMeasurement()
                simulation.onHub { hub in
                    for id in ids { hub.client(id).map { hub.unsubscribe($0, from: "/sse") } }
                }
                benchmark.stopMeasurement()
                simulation.disconnect(ids)
            }
        } setup: {
            simulation(size: size)
        }

        Benchmark("disconnect: 1,000 clients of one topic leave at once, \(size) around") { benchmark, simulation in
            for _ in benchmark.scaledIterations.indices.striding(by: batch) {
                let ids = simulation.connect(batch)
                benchmark.startMeasurement()
                simulation.disconnect(ids)
                benchmark.stopMeasurement()
            }
        } setup: {
            simulation(size: size)
        }

        Benchmark(
            "publish: one event to every subscriber, \(size) of them",
            configuration: .init(
                metrics: [.cpuTotal, .mallocCountTotal, .custom("ns per subscriber", polarity: .prefersSmaller)],
                scalingFactor: .one,
                maxDuration: .seconds(5),
                maxIterations: 20,
                // One encode and a few allocations per loop, whatever the number of subscribers.
                thresholds: [
                    .mallocCountTotal: .init(absolute: [.p90: 40]),
                    .custom("ns per subscriber", polarity: .prefersSmaller): .init(absolute: [.p90: 200]),
                ]
            )
        ) { benchmark, simulation in
            let started = ContinuousClock.now
            for n in benchmark.scaledIterations {
                _ = simulation.onHub { try? $0.publish(ServerSentEvent(data: "tick \(n)", id: "\(n)"), to: "/sse") }
            }
            let elapsed = ContinuousClock.now - started
            let nanoseconds = Int(elapsed.components.seconds) * 1_000_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000)
            benchmark.measurement(
                .custom("ns per subscriber", polarity: .prefersSmaller),
                nanoseconds / (size * benchmark.scaledIterations.count))
        } setup: {
            simulation(size: size)
        }

        Benchmark(
            "memory: bytes of bookkeeping per subscriber (hub and shards), \(size) of them",
            configuration: .init(
                metrics: [.custom("bytes per subscriber", polarity: .prefersSmaller, useScalingFactor: false)],
                scalingFactor: .one,
                maxIterations: 1,
                thresholds: [
                    .custom("bytes per subscriber", polarity: .prefersSmaller, useScalingFactor: false): .init(
                        absolute: [.p90: 1_200])
                ]
            )
        ) { benchmark in
            let before = heapBytes()
            let simulation = simulation(size: size)
            let bytes = heapBytes() - before
            benchmark.measurement(.custom("bytes per subscriber", polarity: .prefersSmaller, useScalingFactor: false), bytes / size)
            withExtendedLifetime(simulation) {}
        }
    }
}
