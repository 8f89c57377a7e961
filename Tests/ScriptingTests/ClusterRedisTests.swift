import Foundation
import Testing

extension Live {
    /// `sse.redis(command, ...)`: a handler or timer yields until Redis answers.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    struct ClusterRedisTests {
        static let script = #"""
            local sse = require "sse"
            local ok, message = pcall(sse.redis, "PING")
            local top_level = message
            sse.get("/count", function()
              local n, err = sse.redis("INCR", "visits")
              if not n then return 503, err end
              return 200, tostring(n)
            end)
            sse.get("/errors", function()
              sse.redis("SET", "name", "x")
              local v, wrongtype = sse.redis("LPUSH", "name", "y")
              local w, unknown = sse.redis("NOPE", 1)
              local refused_ok, refused = pcall(sse.redis, "BLPOP", "queue", 0)
              local bad_ok, bad = pcall(function() return sse.redis("SET", "k", {}) end)
              return { v = v == nil, wrongtype = wrongtype, w = w == nil, unknown = unknown,
                       refused = refused, bad = bad, top_level = top_level }
            end)
            sse.get("/values", function()
              sse.redis("DEL", "list")
              local pushed = sse.redis("RPUSH", "list", "a", 2, 3.5, "\0binary")
              local list = sse.redis("LRANGE", "list", 0, -1)
              local status = sse.redis("SET", "k", "v")
              local missing = sse.redis("GET", "nothing")
              local mget = sse.redis("MGET", "k", "nothing")
              return { pushed = pushed, list = list, binary = #list[4], status = status,
                       missing = missing == nil, mget1 = mget[1], mget2 = mget[2] == sse.json.null }
            end)
            sse.get("/slow", function()
              -- A script that keeps Redis busy for 3 s: Redis is killed meanwhile.
              local v, err = sse.redis("EVAL", "local s = tonumber(redis.call('TIME')[1]) while tonumber(redis.call('TIME')[1]) < s + 3 do end return 1", 0)
              return 200, tostring(v) .. "|" .. tostring(err)
            end)
            """#

        @Test func aCounterIsSharedByBothInstances() async throws {
            try await withCluster(script: Self.script) { _, servers in
                let values = try await withThrowingTaskGroup(of: Int.self) { group in
                    for n in 0..<100 {
                        group.addTask {
                            let answer = try await SSEClient.fetch(servers[n % 2].url("/count"))
                            return Int(answer.body) ?? -1
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(values.sorted() == Array(1...100))
            }
        }

        @Test func errorsComeBackAsNilAndAMessageAndMisuseIsALuaError() async throws {
            try await withCluster(script: Self.script, instances: 1) { _, servers in
                let answer = try await SSEClient.fetch(servers[0].url("/errors"))
                let json = try #require(JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                #expect(json["v"] as? Bool == true)
                #expect((json["wrongtype"] as? String)?.hasPrefix("WRONGTYPE Operation against a key") == true)
                #expect(json["w"] as? Bool == true)
                #expect((json["unknown"] as? String)?.hasPrefix("ERR unknown command 'NOPE'") == true)
                #expect(
                    (json["refused"] as? String)?.contains("sse.redis does not run BLPOP: a blocking command") == true)
                #expect(
                    (json["bad"] as? String)?.contains(
                        "bad argument #3 to 'redis' (string or number expected, got table)")
                        == true)
                #expect(
                    (json["top_level"] as? String)?.contains("sse.redis can only be called inside a handler or timer")
                        == true)
            }
        }

        @Test func repliesBecomeLuaValues() async throws {
            try await withCluster(script: Self.script, instances: 1) { _, servers in
                let answer = try await SSEClient.fetch(servers[0].url("/values"))
                let json = try #require(JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                #expect(json["pushed"] as? Int == 4)
                #expect((json["list"] as? [String])?.prefix(3) == ["a", "2", "3.5"])
                #expect(json["binary"] as? Int == 7)
                #expect(json["status"] as? String == "OK")
                #expect(json["missing"] as? Bool == true)
                #expect(json["mget1"] as? String == "v")
                #expect(json["mget2"] as? Bool == true)
            }
        }

        @Test func redisDyingMidCommandAnswersUnavailableAndTheHandlerGoesOn() async throws {
            try await withCluster(script: Self.script, instances: 1) { redis, servers in
                let started = ContinuousClock.now
                async let slow = SSEClient.fetch(servers[0].url("/slow"))
                try await Task.sleep(for: .milliseconds(500))
                redis.kill()
                let answer = try await slow
                #expect(answer.body == "nil|redis unavailable")
                #expect(ContinuousClock.now - started < .seconds(3))
                // Down: at once, the same answer.
                #expect(try await SSEClient.fetch(servers[0].url("/count")).body == "redis unavailable")
                try redis.start()
                try await waitUntil(seconds: 10) { try await SSEClient.fetch(servers[0].url("/count")).body == "1" }
            }
        }

        @Test func withoutRedisItSaysSo() async throws {
            try await withLiveServer(script: Self.script) { server in
                let answer = try await SSEClient.fetch(server.url("/count"))
                #expect(answer.status == 503)
                #expect(answer.body == "no redis configured (serve with --redis)")
            }
        }
    }
}
