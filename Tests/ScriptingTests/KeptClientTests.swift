import Testing

extension Live {
    /// A client object the script keeps belongs to one request, even when its
    /// kept-alive connection goes on to make another.
    @Suite struct KeptClientTests {
        /// The first request on a connection is denied and its client kept; the second
        /// streams and reads what the kept one says about itself.
        static let script = """
            local kept
            sse.stream("/feed", function(client)
              if not kept then
                kept = client
                return client:deny(403, "not yet")
              end
              client:send{ data = string.format("kept id %s new id %s kept query %s kept connected %s",
                kept.id, client.id, tostring(kept.query.n), tostring(kept.connected)) }
              client:close()
            end)
            """

        /// Regression: the connection kept its id, so the kept userdata read the
        /// second request's fields (and the script took it for the new client).
        @Test(.timeLimit(.minutes(1)))
        func aKeptClientOfADeniedRequestDoesNotReadTheNextRequest() async throws {
            try await withLiveServer(script: Self.script) { live in
                let (denied, streamed) = try await onOwnThread {
                    let connection = try RawConnection(port: live.port)
                    connection.send("GET /feed?n=1 HTTP/1.1\r\nHost: x\r\n\r\n")
                    let denied = connection.read(until: "not yet\n")
                    connection.send("GET /feed?n=2 HTTP/1.1\r\nHost: x\r\n\r\n")
                    return (denied, connection.read(until: "\r\n0\r\n\r\n"))
                }
                #expect(denied.hasPrefix("HTTP/1.1 403 Forbidden\r\n") && !denied.contains("Connection: close"))
                let line = try #require(streamed.split(whereSeparator: \.isNewline).first { $0.hasPrefix("data: ") })
                let words = line.split(separator: " ")
                #expect(words[3] != words[6], "the second request is a new client: \(line)")
                #expect(
                    line.hasSuffix("kept query 1 kept connected false"),
                    "the kept client reads its own request: \(line)")
            }
        }
    }
}
