import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Testing

extension Live {
    /// A stream the script ends leaves its kept-alive connection able to serve the
    /// next request: clients that pool connections (and do not retry a POST) see every
    /// call succeed.
    @Suite(.serialized, .timeLimit(.minutes(2))) struct KeepAliveTests {
        static let llm = "file:" + Repository.path("examples/llm.lua")
        static let prompt = #"{"stream":true,"messages":[{"role":"user","content":"hi"}]}"#

        static func completionRequest(_ extra: String = "") -> String {
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(extra)"
                + "Content-Length: \(prompt.utf8.count)\r\n\r\n\(prompt)"
        }

        @Test func aSecondRequestSentBeforeTheStreamEndsGetsItsFullResponse() async throws {
            try await withLiveServer(script: Self.llm) { live in
                let (streams, third) = try await onOwnThread {
                    let connection = try RawConnection(port: live.port)
                    // Both at once: the second arrives while the first still streams, as
                    // it does when a client reuses the connection the moment it reads [DONE].
                    connection.send(Self.completionRequest() + Self.completionRequest())
                    let first = connection.read(until: "[DONE]\n\n\r\n0\r\n\r\nHTTP/1.1 200 OK", seconds: 10)
                    let second = connection.read(until: "[DONE]\n\n\r\n0\r\n\r\n", seconds: 10)
                    // And a third, after the fact, on the same socket.
                    connection.send("GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n")
                    return (first + second, connection.read(until: "hi\"}]}\n"))
                }
                #expect(streams.components(separatedBy: "HTTP/1.1 200 OK\r\n").count == 3, "two complete responses")
                #expect(streams.components(separatedBy: "data: [DONE]").count == 3)
                #expect(streams.hasSuffix("0\r\n\r\n") && !streams.contains("Connection: close"))
                #expect(third.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            }
        }

        @Test func aRequestThatAskedToCloseIsToldSoAndClosedWithoutAReset() async throws {
            try await withLiveServer(script: Self.llm) { live in
                let (response, closed) = try await onOwnThread {
                    let connection = try RawConnection(port: live.port)
                    connection.send(Self.completionRequest("Connection: close\r\n"))
                    return (connection.read(until: "0\r\n\r\n", seconds: 10), connection.isClosedCleanlyByPeer())
                }
                #expect(response.contains("\r\nConnection: close\r\n"))
                #expect(response.hasSuffix("data: [DONE]\n\n\r\n0\r\n\r\n") && closed)
            }
        }

        /// AsyncHTTPClient's pool with one connection: ten streams, each followed by a
        /// plain request, while another process keeps a core busy.
        @Test func asyncHTTPClientsPoolReusesTheConnectionTenTimes() async throws {
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)))
            defer { _ = client.shutdown() }
            try await withLiveServer(script: Self.llm) { live in
                try await withCPUHog {
                    for round in 1...10 {
                        var request = HTTPClientRequest(url: live.url("/v1/chat/completions"))
                        request.method = .POST
                        request.body = .bytes(ByteBuffer(string: Self.prompt))
                        let response = try await client.execute(request, timeout: .seconds(20))
                        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                        #expect(response.status == .ok && body.hasSuffix("data: [DONE]\n\n"), "round \(round)")
                        let refused = try await client.execute(
                            HTTPClientRequest(url: live.url("/v1/chat/completions")), timeout: .seconds(20))
                        _ = try await refused.body.collect(upTo: 1 << 20)
                        #expect(refused.status == .badRequest, "round \(round)")
                    }
                }
            }
        }

        /// Python's `requests.Session` keeps its connection in a pool and does not
        /// retry a POST on a connection the server closed.
        @Test(.enabled(if: Python.has("requests"))) func pythonRequestsSessionTenRounds() async throws {
            let source = #"""
                import sys, requests
                url = sys.argv[1]
                session = requests.Session()
                for round in range(10):
                    with session.post(url, json={"stream": True, "messages": [{"role": "user", "content": "hi"}]}, stream=True) as r:
                        lines = [line for line in r.iter_lines() if line]
                        assert r.status_code == 200 and lines[-1] == b"data: [DONE]", (round, lines[-1:])
                    r = session.get(url)
                    assert r.status_code == 400, (round, r.status_code)
                print("ok")
                """#
            try await withLiveServer(script: Self.llm) { live in
                try await withCPUHog {
                    let url = live.url("/v1/chat/completions")
                    let result = try await onOwnThread { try Python.run(source, [url]) }
                    #expect(result.status == 0 && result.output == "ok\n", "\(result.errors)")
                }
            }
        }

        /// The official `openai` client, two streaming completions in a row, five times.
        @Test(.enabled(if: Python.has("openai"))) func openAIClientMakesTenCompletionsInARow() async throws {
            let source = #"""
                import sys, openai
                client = openai.OpenAI(base_url=sys.argv[1], api_key="not-needed", max_retries=0)
                for round in range(10):
                    stream = client.chat.completions.create(
                        model="mock", messages=[{"role": "user", "content": "hi"}], stream=True)
                    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
                    assert text.startswith("Server-Sent Events") and text.endswith("by itself."), (round, text)
                print("ok")
                """#
            try await withLiveServer(script: Self.llm) { live in
                try await withCPUHog {
                    let result = try await onOwnThread { try Python.run(source, [live.url("/v1")]) }
                    #expect(result.status == 0 && result.output == "ok\n", "\(result.errors)")
                }
            }
        }
    }
}
