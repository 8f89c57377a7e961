import Foundation
import OpenAPIRuntime
import Synchronization
import Testing

/// `examples/mercure.lua` served by the binary with its keys in the environment, and
/// what a Mercure publisher and subscriber do with it: form POSTs with a JWT,
/// subscriptions by `?topic=`. Tokens are made by PyJWT.
struct MercureHub {
    static let script = Repository.path("examples/mercure.lua")
    static let publisherKey = String(repeating: "p", count: 32)
    static let subscriberKey = String(repeating: "s", count: 32)
    static let endpoint = "/.well-known/mercure"

    let served: RunningBinary.Served
    var base: String { served.base }

    /// The hub, with anonymous subscribers allowed or not; with the keys above, or
    /// with none set (the script's development key, Mercure's own).
    init(anonymous: Bool, developmentKey: Bool = false) throws {
        var environment: [String: String] = [:]
        if !developmentKey {
            environment["MERCURE_PUBLISHER_JWT_KEY"] = Self.publisherKey
            environment["MERCURE_SUBSCRIBER_JWT_KEY"] = Self.subscriberKey
        }
        if anonymous { environment["MERCURE_ANONYMOUS"] = "1" }
        served = try RunningBinary.serve(file: Self.script, environment: environment)
    }

    func stop() { served.binary.terminate() }

    /// Tokens by name, signed (HS256) with the publisher's or the subscriber's key.
    static func tokens() throws -> [String: String] {
        let source = #"""
            import time, jwt
            p, s, now = "p" * 32, "s" * 32, int(time.time())
            def token(name, claims, key): print(name, jwt.encode(claims, key, algorithm="HS256"))
            token("publisher", {"mercure": {"publish": ["*"]}}, p)
            token("books-publisher", {"mercure": {"publish": ["https://example.com/books/{id}"]}}, p)
            token("no-claim", {"sub": "someone"}, p)
            token("subscriber-key", {"mercure": {"publish": ["*"]}}, s)
            token("reader", {"mercure": {"subscribe": ["*"]}}, s)
            token("books-reader", {"mercure": {"subscribe": ["https://example.com/books/{id}"]}}, s)
            token("expired", {"mercure": {"subscribe": ["*"]}, "exp": now - 60}, s)
            token("short", {"mercure": {"subscribe": ["*"]}, "exp": now + 2}, s)
            """#
        let made = try Python.run(source)
        guard made.status == 0 else { throw BinaryError("PyJWT: \(made.errors)") }
        return Dictionary(
            uniqueKeysWithValues: made.output.split(separator: "\n").map { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                return (String(parts[0]), String(parts[1]))
            })
    }

    /// `application/x-www-form-urlencoded`, as `URLSearchParams` writes it.
    static func form(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed)! }
        return fields.map { "\(encoded($0.0))=\(encoded($0.1))" }.joined(separator: "&")
    }

    /// A publish: status, content type and body (the id).
    func publish(_ fields: [(String, String)], token: String?, asCookie: Bool = false) async throws -> (
        status: UInt, contentType: String?, body: String
    ) {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let token {
            headers.append(
                asCookie
                    ? ("Cookie", "theme=dark; mercureAuthorization=\(token)") : ("Authorization", "Bearer \(token)"))
        }
        let response = try await SSEClient.fetch(
            base + Self.endpoint, method: .POST, headers: headers, body: Self.form(fields))
        return (response.status, response.headers.first(name: "content-type"), response.body)
    }

    /// The URL a subscriber opens for `topics` (and more query fields).
    func subscription(_ topics: [String], _ more: [(String, String)] = []) -> String {
        base + Self.endpoint + "?" + Self.form(topics.map { ("topic", $0) } + more)
    }

    /// A subscriber to `topics` and `urn:marker`, open once this returns.
    func subscribe(_ topics: [String], _ more: [(String, String)] = [], headers: [(String, String)] = [])
        async throws -> EventCollector
    {
        let subscriber = EventCollector(subscription(topics + ["urn:marker"], more), headers: headers)
        try await waitUntil { subscriber.isOpen || subscriber.hasEnded }
        try #require(subscriber.isOpen, "the subscription was refused")
        return subscriber
    }

    private static let markers = Counter()

    /// Publishes a marker every subscriber from `subscribe` gets, and waits until
    /// `subscribers` have it: what they were going to get before it, they have.
    func mark(_ subscribers: [EventCollector], token: String) async throws {
        let id = "marker-\(Self.markers.next())"
        let published = try await publish([("topic", "urn:marker"), ("id", id), ("data", "marker")], token: token)
        #expect(published.status == 200)
        try await waitUntil { subscribers.allSatisfy { $0.events.contains { $0.id == id } } }
    }
}

/// Numbers, one after the other, from any thread.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}

extension EventCollector {
    /// The events other than markers.
    var updates: [OpenAPIRuntime.ServerSentEvent] { events.filter { $0.data != "marker" } }
}
