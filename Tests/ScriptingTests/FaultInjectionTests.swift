import Foundation
import Testing

extension Live {
    /// `client:drop()`, `client:stall(s)`, `client:send_raw(bytes)` and the `jitter`
    /// stream option, seen from the wire and from clients nobody here wrote.
    @Suite(.timeLimit(.minutes(1))) struct FaultInjectionTests {
        static let dropScript = """
            sse.stream("/drop", function(client)
              client:send{ id = "1", data = "before the drop" }
              sse.sleep(0.05)
              client:drop()
            end)
            """

        @Test func aDroppedHTTP1StreamEndsWithoutItsLastChunk() async throws {
            try await withLiveServer(script: Self.dropScript) { live in
                let connection = try RawConnection(port: live.port)
                connection.send("GET /drop HTTP/1.1\r\nHost: x\r\n\r\n")
                let received = connection.read(seconds: 5)  // until the server closes
                #expect(received.contains("id: 1\ndata: before the drop\n\n\r\n"), "what was sent before arrives")
                #expect(!received.hasSuffix("0\r\n\r\n"), "no terminating chunk: \(received.debugDescription)")
                #expect(received.hasSuffix("before the drop\n\n\r\n"))
            }
        }

        @Test func aDroppedHTTP2StreamIsResetAndItsConnectionGoesOn() async throws {
            let script = Self.dropScript + #"sse.get("/after", function() return "still here" end)"#
            try await withLiveServer(script: script) { live in
                // nghttp (nghttp2's client) over h2c: both requests on one connection.
                let result = try await onOwnThread {
                    try run("/usr/bin/nghttp", ["-v", "-t", "5", live.url("/drop"), live.url("/after")])
                }
                let frames = result.output.split(separator: "\n").filter { $0.contains("recv") }
                let stream13 = frames.filter { $0.contains("stream_id=13") }
                #expect(stream13.contains { $0.contains("RST_STREAM") }, "\(result.output)")
                #expect(result.output.contains("error_code=CANCEL"))
                #expect(!stream13.contains { $0.contains("END_STREAM") }, "the dropped stream never ends cleanly")
                #expect(result.output.contains("data: before the drop"))
                #expect(result.output.contains("still here"), "the other stream on the connection is answered")
            }
        }

        @Test func aStalledClientGetsWhatWasSentMeanwhileInOrderWhenTheStallEnds() async throws {
            let script = """
                sse.stream("/stall", function(client)
                  client:send("a")
                  client:stall(0.5)
                  client:send("b")
                  sse.publish("/stall", "c")
                  client:send("d")
                end)
                """
            try await withLiveServer(script: script) { live in
                let arrivals = try await TimedReader.read(live.url("/stall"), count: 4)
                #expect(arrivals.map(\.event.data) == ["a", "b", "c", "d"])
                #expect(arrivals[0].time < 0.2)
                #expect(arrivals[1].time >= 0.45 && arrivals[1].time < 1.0, "\(arrivals.map(\.time))")
                #expect(arrivals[3].time - arrivals[1].time < 0.05, "together once the stall ends")
            }
        }

        @Test func aNewStallReplacesTheOneBeforeAndZeroEndsIt() async throws {
            let script = """
                sse.stream("/restall", function(client)
                  client:stall(10)
                  client:send("held")
                  sse.sleep(0.3)
                  client:stall(0)
                  sse.sleep(0.1)
                  client:send("after")
                end)
                """
            try await withLiveServer(script: script) { live in
                let arrivals = try await TimedReader.read(live.url("/restall"), count: 2)
                #expect(arrivals.map(\.event.data) == ["held", "after"])
                #expect(arrivals[0].time > 0.25 && arrivals[0].time < 1, "released by stall(0): \(arrivals.map(\.time))")
            }
        }

        @Test func aStallPastTheBudgetIsASlowClient() async throws {
            let log = LogRecorder()
            let script = """
                sse.stream("/over", function(client)
                  client:on_close(function(_, reason) sse.log("over: " .. reason) end)
                  client:stall(5)
                  -- in `parts` sends, a turn of the script loop apart
                  local n, parts = tonumber(client.query.kb), tonumber(client.query.parts or "1")
                  for _ = 1, parts do
                    client:send(string.rep("x", n * 1000 // parts))
                    sse.sleep(0.02)
                  end
                end)
                """
            try await withLiveServer(script: script, logger: log.logger, configure: { $0.clientBuffer = 64 << 10 }) {
                live in
                // More than twice the budget waiting: dropped at once.
                let started = Date()
                let far = try RawConnection(port: live.port)
                far.send("GET /over?kb=200 HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(far.isClosedByPeer(within: 3))
                try await waitUntil { log.contains("over: slow") }
                #expect(Date().timeIntervalSince(started) < 1, "long before the stall would have ended")
                // Over the budget, under twice it: dropped once it has stayed over for the
                // slow-client timeout (1 s). Sent in two parts, a turn apart: what one turn
                // of the script queues for a client counts against the budget at send
                // (one 100 KB send would be refused and the client dropped at once).
                let near = try RawConnection(port: live.port)
                let second = Date()
                near.send("GET /over?kb=100&parts=2 HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(near.isClosedByPeer(within: 4))
                let waited = Date().timeIntervalSince(second)
                #expect(waited > 0.7 && waited < 2.5, "\(waited) s")
                #expect(live.server.slowClientsDisconnected == 2)
            }
        }

        static let rawScript = """
            sse.stream("/raw", function(client)
              client:send_raw("data: hel")
              sse.sleep(0.1)
              client:send_raw("lo\\n\\n")
              client:send_raw("dat: misspelt\\nbogus\\nretry: soon\\ndata: after bad fields\\n\\n")
              client:send_raw("data: cr only\\r\\r")
              client:send_raw("data: split crlf\\r")
              sse.sleep(0.05)
              client:send_raw("\\n\\r\\n")
              client:send_raw("data: line 1\\rdata: line 2\\r\\n\\r\\n")
              client:close()
            end)
            """

        @Test func sendRawBytesAreParsedByADecoderNobodyHereWrote() async throws {
            try await withLiveServer(script: Self.rawScript) { live in
                let events = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/raw"))
                    return try await stream.rest()
                }
                #expect(events.map(\.data) == ["hello", "after bad fields", "cr only", "split crlf", "line 1\nline 2"])
            }
        }

        @Test func sendRawBytesGoOnTheWireAsGivenInOneChunkEach() async throws {
            try await withLiveServer(script: Self.rawScript) { live in
                let connection = try RawConnection(port: live.port)
                connection.send("GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
                let received = connection.read(until: "0\r\n\r\n")
                let body = String(received.split(separator: "\r\n\r\n", maxSplits: 1)[1])
                #expect(body.hasPrefix("9\r\ndata: hel\r\n"), "the first bytes of the body, without the `: ok` greeting")
                #expect(body.contains("f\r\ndata: cr only\r\r\r\n"))
                #expect(body.hasSuffix("0\r\n\r\n"))
            }
        }

        @Test func jitterDelaysEachEventByUpToItsSecondsAndKeepsTheOrder() async throws {
            // One event every 50 ms; with jitter each is up to 200 ms late, never before the one before it.
            let script = """
                local function every_50_ms(client)
                  for n = 1, 30 do
                    client:send{ id = n, data = n }
                    sse.sleep(0.05)
                  end
                  client:close()
                end
                sse.stream("/jittery", every_50_ms, { jitter = 0.2 })
                sse.stream("/smooth", every_50_ms)
                """
            try await withLiveServer(script: script) { live in
                let jittery = try await TimedReader.read(live.url("/jittery"))
                #expect(jittery.map(\.event.data) == (1...30).map(String.init), "every event, in order")
                let lateness = jittery.enumerated().map { $1.time - 0.05 * Double($0) }
                #expect(lateness.allSatisfy { $0 > -0.03 && $0 < 0.3 }, "at most the jitter late: \(lateness)")
                #expect(lateness.max()! > 0.08, "some are late: \(lateness)")
                let gaps = Self.gaps(jittery)
                #expect(gaps.contains { abs($0 - 0.05) > 0.03 }, "not the 50 ms rhythm: \(gaps)")
                let smooth = try await TimedReader.read(live.url("/smooth"))
                #expect(smooth.map(\.event.data) == (1...30).map(String.init))
                #expect(Self.gaps(smooth).allSatisfy { abs($0 - 0.05) < 0.045 }, "\(Self.gaps(smooth))")
            }
        }

        static func gaps(_ arrivals: [TimedReader.Arrival]) -> [Double] {
            zip(arrivals, arrivals.dropFirst()).map { $1.time - $0.time }
        }
    }
}
