// Pipelined INCR throughput of RedisClient against a running redis-server, for
// benchmarks/redis-incr.sh (which runs redis-benchmark on the same server, same run).
//
//     redis-incr-bench PORT [COMMANDS] [ROUNDS]
//
// Each round sends COMMANDS (default 100,000) INCRs from the connection's own loop
// (as the script loop would), in bursts of 1,000 per loop tick, without waiting, and
// waits for the last reply. Prints commands/s per round and the median.
import Foundation
import Logging
import NIOCore
import NIOPosix
import RedisClient

let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    print("usage: redis-incr-bench PORT [COMMANDS] [ROUNDS]")
    exit(2)
}
let total = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
let burst = 1_000

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let redis = RedisConnection(
    configuration: RedisConfiguration(url: RedisURL(host: "127.0.0.1", port: port)), eventLoop: loop)
try redis.start().wait()
let command = RedisCommand(["INCR", "bench:incr"])

/// Sends `count` INCRs in bursts of `burst`, one burst per loop tick; the future is the last reply.
func pipeline(_ count: Int) -> EventLoopFuture<RedisValue> {
    let done = loop.makePromise(of: RedisValue.self)
    @Sendable func next(_ sent: Int) {
        var last: EventLoopFuture<RedisValue>?
        for _ in 0..<min(burst, count - sent) { last = redis.send(command) }
        if sent + burst >= count {
            done.completeWith(last!)
        } else {
            loop.execute { next(sent + burst) }
        }
    }
    loop.execute { next(0) }
    return done.futureResult
}

_ = try pipeline(20_000).wait()  // warm-up
var rates: [Double] = []
for round in 1...rounds {
    let start = NIODeadline.now()
    let last = try pipeline(total).wait()
    let seconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
    guard last.integer != nil else { fatalError("unexpected reply \(last)") }
    rates.append(Double(total) / seconds)
    print("round \(round): \(total) INCR in \(String(format: "%.3f", seconds)) s = \(Int(rates.last!)) commands/s")
}
print("RedisClient pipelined INCR: median \(Int(rates.sorted()[rates.count / 2])) commands/s")
try redis.close().wait()
try group.syncShutdownGracefully()
