import Foundation
import Testing

extension Live {
    /// `client:respond` (a plain response instead of a stream, as an API that streams
    /// only when asked does) and `client.uri` / `req.uri` (the target as sent, for a
    /// repeated query parameter), served live.
    @Suite(.timeLimit(.minutes(1))) struct RespondTests {
        static let script = #"""
            sse.stream("/maybe", function(client)
              if client.query.plain then
                return client:respond(201, { uri = client.uri }, { ["X-Kind"] = "plain" })
              end
              if client.query.empty then return client:respond() end
              client:send(client.uri)
              local ok, problem = pcall(client.respond, client, 200, "too late")
              client:send(tostring(ok) .. " " .. tostring(problem))
              client:close()
            end)
            sse.get("/echo", function(req) return req.uri end)
            """#

        @Test func respondAnswersLikeAHandlerBeforeTheStreamStarts() async throws {
            try await withLiveServer(script: Self.script) { live in
                let plain = try await SSEClient.fetch(live.url("/maybe?plain=1&topic=a&topic=b%20c"))
                #expect(plain.status == 201 && plain.headers.first(name: "x-kind") == "plain")
                #expect(plain.headers.first(name: "content-type") == "application/json")
                #expect(plain.body == #"{"uri":"\/maybe?plain=1&topic=a&topic=b%20c"}"#, "lua-cjson escapes /")
                let empty = try await SSEClient.fetch(live.url("/maybe?empty=1"))
                #expect(empty.status == 204 && empty.body.isEmpty)
                let events = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/maybe?topic=a&topic=b"))
                    return try await stream.rest()
                }
                #expect(events.first?.data == "/maybe?topic=a&topic=b", "the query as sent, both topics")
                #expect(events.last?.data?.hasPrefix("false ") == true)
                #expect(events.last?.data?.contains("client:respond must come before the stream starts") == true)
                let echo = try await SSEClient.fetch(live.url("/echo?x=1&x=2"))
                #expect(echo.body == "/echo?x=1&x=2")
            }
        }
    }
}
