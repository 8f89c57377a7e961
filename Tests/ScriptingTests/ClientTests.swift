import Foundation
import Testing

extension Live {
    /// The `client` a stream handler gets, served live (the README's "The client"):
    /// its fields, its methods, and what is left of it once it is gone.
    @Suite(.timeLimit(.minutes(1))) struct ClientTests {
        static let script = """
            local members = {}
            sse.stream("/s", function(client)
              members[#members + 1] = client
              client:send(sse.json.encode({
                path = client.path, method = client.method, remote = client.remote,
                multi = client.headers["x-multi"], mixed = client.headers["X-Multi"] or "absent",
                host = client.headers.host, connected = client.connected, id = math.type(client.id),
              }))
              client:comment("a note")
            end)
            sse.get("/members", function()
              local lines = {}
              for _, client in ipairs(members) do
                lines[#lines + 1] = table.concat({ client.id, client.path, client.method, client.remote,
                  client.headers["x-multi"], tostring(client.connected), tostring(client:send("late")),
                  tostring(client:comment("late")) }, " ")
              end
              return table.concat(lines, "\\n")
            end)

            local subscribers = {}
            sse.stream("/sub", function(client)
              subscribers[#subscribers + 1] = client
              client:subscribe("room")
              client:send("joined")
            end)
            sse.post("/leave", function()
              for _, client in ipairs(subscribers) do client:unsubscribe("room") end
              return 204
            end)
            sse.post("/room", function(req) return tostring(sse.publish("room", req.body)) end)
            sse.post("/sub", function(req) return tostring(sse.publish("/sub", req.body)) end)

            sse.stream("/late-deny", function(client)
              client:send("started")
              local ok, err = pcall(client.deny, client, 403, "no")
              client:send(tostring(ok) .. ": " .. tostring(err))
            end)

            local ids = {}
            sse.stream("/id", function(client) ids[#ids + 1] = client.id; client:send(tostring(client.id)) end)
            """

        /// Fields from the request: headers by lower-case name with repeats joined by
        /// `, `, the peer's address, the path and method; `comment` is a bare comment.
        @Test func fieldsComeFromTheRequestAndCommentIsAComment() async throws {
            try await withLiveServer(script: Self.script) { live in
                let received = try await onOwnThread {
                    let connection = try RawConnection(port: live.port)
                    connection.send("GET /s?x=1 HTTP/1.1\r\nHost: h\r\nX-Multi: a\r\nx-multi: b\r\nX-MULTI: c\r\n\r\n")
                    return connection.read(until: ": a note\n\r\n")
                }
                let body = try #require(received.components(separatedBy: "\r\n\r\n").dropFirst().first)
                let data = try #require(body.firstMatch(of: /data: (.+)\n\n/)?.1)
                let fields = try #require(JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
                #expect(fields["multi"] as? String == "a, b, c", "repeated headers joined by ', '")
                #expect(fields["mixed"] as? String == "absent", "by lower-case name only")
                #expect(fields["host"] as? String == "h")
                #expect(fields["path"] as? String == "/s", "the path, without the query")
                #expect(fields["method"] as? String == "GET" && fields["remote"] as? String == "127.0.0.1")
                #expect(fields["connected"] as? Bool == true && fields["id"] as? String == "integer")
                #expect(body.hasSuffix("\r\n9\r\n: a note\n\r\n"), "a comment line, no blank line after it")
            }
        }

        /// Once the client is gone, `connected` is false, `send` and `comment` return
        /// false, and the fields stay readable while the script holds the client.
        @Test func fieldsStayReadableAfterTheClientIsGone() async throws {
            try await withLiveServer(script: Self.script) { live in
                try await onOwnThread {
                    let connection = try RawConnection(port: live.port)
                    connection.send("GET /s HTTP/1.1\r\nHost: h\r\nX-Multi: a\r\nX-Multi: b\r\n\r\n")
                    _ = connection.read(until: ": a note\n")
                }  // closed here
                try await waitUntil { try await live.onScriptLoop { live.server.hub.count() } == 0 }
                let members = try await SSEClient.fetch(live.url("/members")).body
                #expect(
                    members.wholeMatch(of: /[0-9]+ \/s GET 127\.0\.0\.1 a, b false false false/) != nil, "\(members)")
            }
        }

        @Test func subscribeAndUnsubscribeChooseWhatPublishReaches() async throws {
            try await withLiveServer(script: Self.script) { live in
                let stream = EventCollector(live.url("/sub"))
                try await stream.waitFor { $0 == ["joined"] }
                #expect(try await SSEClient.fetch(live.url("/room"), method: .POST, body: "one").body == "1")
                try await stream.waitFor { $0 == ["joined", "one"] }
                #expect(try await SSEClient.fetch(live.url("/leave"), method: .POST).status == 204)
                #expect(try await SSEClient.fetch(live.url("/room"), method: .POST, body: "two").body == "0")
                #expect(try await SSEClient.fetch(live.url("/sub"), method: .POST, body: "three").body == "1")
                try await stream.waitFor { $0.count >= 3 }
                #expect(stream.data == ["joined", "one", "three"], "nothing from the room after leaving it")
            }
        }

        @Test func denyAfterTheStreamStartedIsAnErrorAndTheStreamGoesOn() async throws {
            try await withLiveServer(script: Self.script) { live in
                let events = try await withTimeout(10) {
                    var stream = try await SSEClient.open(live.url("/late-deny"))
                    return (stream.status, try await stream.next(2).map(\.data))
                }
                #expect(events.0 == 200)
                #expect(events.1.first == "started")
                #expect(
                    events.1.last??.hasPrefix("false: ") == true
                        && events.1.last??.hasSuffix(
                            "client:deny must come before the stream starts (its first send, comment or sleep)")
                            == true,
                    "\(events.1)")
            }
        }

        /// `client.id` is unique while the server runs: across clients at once and
        /// clients one after another.
        @Test func idsAreUniqueWhileTheServerRuns() async throws {
            try await withLiveServer(script: Self.script) { live in
                var ids: [String] = []
                for _ in 0..<10 {
                    let one = try await withTimeout(10) {
                        var stream = try await SSEClient.open(live.url("/id"))
                        return try await stream.next()?.data
                    }
                    ids.append(try #require(one))
                }
                let together = (0..<10).map { _ in EventCollector(live.url("/id")) }
                for stream in together { try await stream.waitFor { $0.count == 1 } }
                ids += together.flatMap(\.data)
                #expect(ids.count == 20 && Set(ids).count == 20, "\(ids)")
                #expect(ids.allSatisfy { Int($0) != nil })
            }
        }
    }
}
