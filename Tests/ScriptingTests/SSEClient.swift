import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAPIRuntime

/// One HTTP client for every test: many streams to one host at once (the shared
/// client allows 8 connections per host).
let testHTTPClient = HTTPClient(
    eventLoopGroupProvider: .singleton,
    configuration: .init(
        connectionPool: .init(idleTimeout: .seconds(5), concurrentHTTP1ConnectionsPerHostSoftLimit: 2000))
)

/// Reads a stream with clients nobody here wrote: AsyncHTTPClient for HTTP and
/// swift-openapi-runtime's decoder for the event stream.
struct SSEClient {
    /// The response head and the decoded events of one stream.
    struct Stream {
        let status: UInt
        let headers: HTTPHeaders
        private var iterator:
            ServerSentEventsDeserializationSequence<
                ServerSentEventsLineDeserializationSequence<
                    AsyncMapSequence<HTTPClientResponse.Body, ArraySlice<UInt8>>
                >
            >.AsyncIterator

        init(_ response: HTTPClientResponse) {
            status = response.status.code
            headers = response.headers
            iterator = response.body.map { ArraySlice($0.readableBytesView) }.asDecodedServerSentEvents()
                .makeAsyncIterator()
        }

        /// The next event, or nil when the stream ends.
        mutating func next() async throws -> OpenAPIRuntime.ServerSentEvent? {
            try await iterator.next()
        }

        /// The next `count` events (fewer if the stream ends).
        mutating func next(_ count: Int) async throws -> [OpenAPIRuntime.ServerSentEvent] {
            var events: [OpenAPIRuntime.ServerSentEvent] = []
            while events.count < count, let event = try await next() { events.append(event) }
            return events
        }

        /// Every event until the stream ends.
        mutating func rest() async throws -> [OpenAPIRuntime.ServerSentEvent] {
            try await next(.max)
        }
    }

    /// Opens `url` as an event stream (with `client`, by default the shared one).
    static func open(
        _ url: String, headers: [(String, String)] = [], method: HTTPMethod = .GET, body: String? = nil,
        client: HTTPClient = testHTTPClient
    ) async throws -> Stream {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        return Stream(try await client.execute(request, timeout: .seconds(60)))
    }

    /// A plain request: status, headers and body text.
    static func fetch(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil)
        async throws -> (status: UInt, headers: HTTPHeaders, body: String)
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await testHTTPClient.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (response.status.code, response.headers, String(buffer: bytes))
    }
}
