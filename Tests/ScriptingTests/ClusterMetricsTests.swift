import Foundation
import TestProcesses
import Testing

extension Live {
    /// The Redis series of an instance run with `--redis` and `--metrics`, read from
    /// its `/metrics` by Prometheus's Python client, and `/healthz` following Redis:
    /// connected, down (503), back (one reconnect), and the pub/sub lag measured.
    @Suite(.timeLimit(.minutes(2)), .enabled(if: Python.has("prometheus_client"), "needs prometheus_client"))
    struct ClusterMetricsTests {
        static let script = """
            sse.stream("/feed", nil, { history = 100 })
            sse.post("/publish", function(req)
              local ok, err = sse.publish("/feed", { data = req.body })
              if not ok then return 503, err end
              return 204
            end)
            """

        @Test func redisConnectedReconnectsAndLagAreOnMetricsAndHealthFollowsRedis() async throws {
            let redis = try RedisServerProcess()
            defer { redis.stop() }
            try await withObservedServer(script: Self.script, cluster: .local(redis, node: "observed")) { observed in
                let stream = RecordedStream(observed.live.url("/feed"))
                defer { stream.stop() }
                let first = try await observed.scrape()
                #expect(first.family(of: "ssescript_redis_connected")?.type == "gauge")
                #expect(first.family(of: "ssescript_redis_reconnects_total")?.type == "counter")
                #expect(first.family(of: "ssescript_redis_pubsub_lag_seconds")?.type == "histogram")
                #expect(first.value("ssescript_redis_connected") == 1)
                #expect(first.value("ssescript_redis_reconnects_total") == 0)
                #expect(try await SSEClient.fetch(observed.healthURL).status == 200)

                // Probes go once a second through both links: the lag is measured, and small.
                try await waitUntil(seconds: 10) {
                    try await observed.scrape().value("ssescript_redis_pubsub_lag_seconds_count") ?? 0 >= 2
                }
                let measured = try await observed.scrape()
                let count = try #require(measured.value("ssescript_redis_pubsub_lag_seconds_count"))
                let sum = try #require(measured.value("ssescript_redis_pubsub_lag_seconds_sum"))
                #expect(sum / count > 0 && sum / count < 0.5, "mean lag \(sum / count) s over \(count) probes")

                // Redis goes: the gauge drops to 0, /healthz says why, the stream stays open.
                redis.stop()
                try await waitUntil(seconds: 10) { try await observed.scrape().value("ssescript_redis_connected") == 0 }
                let down = try await SSEClient.fetch(observed.healthURL)
                #expect(down.status == 503 && down.body.contains("redis"), "\(down.status) \(down.body)")
                #expect(try await publish("lost", through: observed.live).status == 503)
                #expect(!stream.hasEnded)

                // Back on the same port: connected again, one reconnect, healthy, delivering.
                try redis.start()
                try await waitUntil(seconds: 15) { try await observed.scrape().value("ssescript_redis_connected") == 1 }
                let back = try await observed.scrape()
                #expect(back.value("ssescript_redis_reconnects_total") == 1)
                #expect(try await SSEClient.fetch(observed.healthURL).status == 200)
                #expect(try await publish("after", through: observed.live).status == 204)
                try await stream.waitFor(seconds: 5) { $0.contains { $0.data == "after" } }
                #expect(!stream.data.contains("lost"))
            }
        }
    }
}
