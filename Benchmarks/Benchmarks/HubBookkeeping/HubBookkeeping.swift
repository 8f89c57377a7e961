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
        for id in ids { hub.client(atEndpoint: id).map { hub.subscribe($0, to: "user:\(id)") } }
    }
    return simulation
}

/// The hub's clients of `ids`, looked up before a measurement: a script holds its client.
func clients(_ ids: [Int], of simulation: ServerSimulation) -> [Client] {
    simulation.onHub { hub in ids.compactMap { hub.client(atEndpoint: $0) } }
}

/// The process's resident memory in bytes (`/proc/self/statm`).
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    _ = withUnsafeMutablePointer(to: &size) { size in
        withUnsafeMutablePointer(to: &resident) { resident in
            withVaList([size, resident]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// CPU time of this thread in nanoseconds (the simulation runs on one thread).
func threadCPU() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}

let perClient = BenchmarkMetric.custom("CPU ns per client", polarity: .prefersSmaller, useScalingFactor: false)
let perSubscriber = BenchmarkMetric.custom("CPU ns per subscriber", polarity: .prefersSmaller, useScalingFactor: false)

/// Runs `operation` on `batch` new clients per sample (set up by `prepare`, torn
/// down by `tidy`, neither measured) and records its CPU time per client, which
/// must stay within `limit` nanoseconds at every size.
func perClientBenchmark<Prepared>(
    _ name: String, size: Int, limit: Int = 2_000, prepare: @escaping (ServerSimulation) -> Prepared,
    operation: @escaping (ServerSimulation, Prepared) -> [Int], tidy: @escaping (ServerSimulation, [Int]) -> Void
) {
    Benchmark(
        "\(name), \(size) around",
        configuration: .init(
            metrics: [perClient, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 30,
            // The same CPU per client at every size: a cost that grows with the clients around fails.
            thresholds: [perClient: .init(absolute: [.p50: limit]), .mallocCountTotal: .init(absolute: [.p90: 20])])
    ) { benchmark, simulation in
        for _ in stride(from: 0, to: benchmark.scaledIterations.count, by: batch) {
            let prepared = prepare(simulation)
            let started = threadCPU()
            benchmark.startMeasurement()
            let made = operation(simulation, prepared)
            benchmark.stopMeasurement()
            benchmark.measurement(perClient, (threadCPU() - started) / batch)
            tidy(simulation, made)
        }
    } setup: {
        simulation(size: size)
    }
}

let benchmarks: @Sendable () -> Void = {
    for size in sizes {
        // Connecting is more than a subscription (a client, its stream, its head and
        // greeting written, its path's topic joined), so it has a limit of its own.
        perClientBenchmark(
            "connect: a client connects and its stream opens on its path's topic", size: size, limit: 2_500,
            prepare: { _ in () },
            operation: { simulation, _ in simulation.connect(batch) },
            tidy: { simulation, ids in simulation.disconnect(ids) })

        // The client in hand and its topic's name made, as `client:subscribe(topic)` has them.
        perClientBenchmark(
            "subscribe: a client joins a topic of its own", size: size,
            prepare: { simulation in
                let ids = simulation.connect(batch)
                return (ids, clients(ids, of: simulation).map { ($0, "user:\($0.id)") })
            },
            operation: { simulation, prepared in
                simulation.onHub { hub in
                    for (client, topic) in prepared.1 { hub.subscribe(client, to: topic) }
                }
                return prepared.0
            },
            tidy: { simulation, ids in simulation.disconnect(ids) })

        perClientBenchmark(
            "unsubscribe: a client leaves a topic all share", size: size,
            prepare: { simulation in
                let ids = simulation.connect(batch)
                return (ids, clients(ids, of: simulation))
            },
            operation: { simulation, prepared in
                simulation.onHub { hub in
                    for client in prepared.1 { hub.unsubscribe(client, from: "/sse") }
                }
                return prepared.0
            },
            tidy: { simulation, ids in simulation.disconnect(ids) })

        perClientBenchmark(
            "disconnect: 1,000 clients of one topic leave at once", size: size,
            prepare: { simulation in simulation.connect(batch) },
            operation: { simulation, ids in
                simulation.disconnect(ids)
                return []
            },
            tidy: { _, _ in })

        Benchmark(
            "publish: one event to every subscriber, \(size) of them",
            configuration: .init(
                metrics: [perSubscriber, .mallocCountTotal], scalingFactor: .one, maxDuration: .seconds(5),
                maxIterations: 20,
                // One encode and a few allocations per loop, whatever the number of subscribers.
                thresholds: [
                    .mallocCountTotal: .init(absolute: [.p90: 45]), perSubscriber: .init(absolute: [.p50: 400]),
                ])
        ) { benchmark, simulation in
            for n in benchmark.scaledIterations {
                let started = threadCPU()
                benchmark.startMeasurement()
                _ = simulation.onHub { try? $0.publish(ServerSentEvent(data: "tick \(n)", id: "\(n)"), to: "/sse") }
                benchmark.stopMeasurement()
                benchmark.measurement(perSubscriber, (threadCPU() - started) / size)
            }
        } setup: {
            simulation(size: size)
        }

        Benchmark(
            "memory: process bytes per subscriber (hub, shards and the counting streams), \(size) of them",
            configuration: .init(
                metrics: [.custom("bytes per subscriber", polarity: .prefersSmaller, useScalingFactor: false)],
                scalingFactor: .one, maxIterations: 1,
                thresholds: [
                    .custom("bytes per subscriber", polarity: .prefersSmaller, useScalingFactor: false): .init(
                        absolute: [.p90: 400])
                ])
        ) { benchmark in
            let before = residentBytes()
            let simulation = simulation(size: size)
            let bytes = residentBytes() - before
            benchmark.measurement(
                .custom("bytes per subscriber", polarity: .prefersSmaller, useScalingFactor: false), bytes / size)
            withExtendedLifetime(simulation) {}
        }
    }
}
