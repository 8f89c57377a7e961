import Foundation
import Testing

extension Live {
    /// `examples/mercure.lua` against the scenarios of Mercure's conformance tests
    /// (dunglas/mercure, conformance-tests/mercure.spec.ts), rewritten in Swift, and
    /// the rest of what a v0.x hub does: publisher and subscriber authorization,
    /// private updates, the id it answers, URI templates, Last-Event-ID.
    @Suite(.serialized, .enabled(if: Python.has("jwt")), .timeLimit(.minutes(1)))
    struct MercureTests {
        /// One conformance case: an update's topics, the subscriber's selectors, and
        /// whether the subscriber gets the update.
        struct Case: Sendable {
            let name: String
            let topics: [String]
            let selectors: [String]
            let received: Bool
            var `private` = false
        }

        static var cases: [Case] {
            let r = (0..<6).map { _ in UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }
            return [
                Case(name: "raw string", topics: [r[0]], selectors: [r[0]], received: true),
                Case(name: "multiple topics", topics: [UUID().uuidString, r[1]], selectors: [r[1]], received: true),
                Case(name: "multiple topic selectors", topics: [r[2]], selectors: ["foo", r[2]], received: true),
                Case(
                    name: "URI", topics: ["https://example.net/foo/\(r[3])"],
                    selectors: ["https://example.net/foo/\(r[3])"], received: true),
                Case(
                    name: "URI template", topics: ["https://example.net/foo/\(r[4])"],
                    selectors: ["https://example.net/foo/{random}"], received: true),
                Case(
                    name: "nonmatching raw string", topics: ["will-not-match}"], selectors: ["another-name"],
                    received: false),
                Case(
                    name: "nonmatching URI", topics: ["https://example.net/foo/will-not-match}"],
                    selectors: ["https://example.net/foo/another-name"], received: false),
                Case(
                    name: "nonmatching URI template", topics: ["https://example.net/foo/will-not-match}"],
                    selectors: ["https://example.net/bar/{var}"], received: false),
                Case(name: "private raw string", topics: [r[0]], selectors: [r[0]], received: false, private: true),
                Case(
                    name: "private URI", topics: ["https://example.net/foo/\(r[3])"],
                    selectors: ["https://example.net/foo/\(r[3])"], received: false, private: true),
                Case(
                    name: "private URI template", topics: ["https://example.net/foo/\(r[4])"],
                    selectors: ["https://example.net/foo/{random}"], received: false, private: true),
                // Beyond the conformance file: the wildcard, and templates of levels 2 to 4.
                Case(name: "wildcard", topics: ["https://example.net/anything"], selectors: ["*"], received: true),
                Case(
                    name: "reserved expansion", topics: ["https://example.net/files/a/b.txt"],
                    selectors: ["https://example.net/files/{+path}"], received: true),
                Case(
                    name: "simple expansion stops at /", topics: ["https://example.net/foo/1/comments"],
                    selectors: ["https://example.net/foo/{id}"], received: false),
                Case(
                    name: "path segments", topics: ["https://example.net/a/b/c"],
                    selectors: ["https://example.net{/segments*}"], received: true),
                Case(
                    name: "query expansion", topics: ["https://example.net/search?q=sse&page=2"],
                    selectors: ["https://example.net/search{?q,page}"], received: true),
            ]
        }

        @Test func theConformanceScenariosAndTheirIDs() async throws {
            let tokens = try await onOwnThread { try MercureHub.tokens() }
            let hub = try MercureHub(anonymous: true)
            defer { hub.stop() }
            for (index, scenario) in Self.cases.enumerated() {
                let subscriber = try await hub.subscribe(scenario.selectors)
                let id = "id-\(index)-" + scenario.name
                var fields = scenario.topics.map { ("topic", $0) }
                fields += [("id", id), ("data", "data for\n\n        \(scenario.name)")]
                if scenario.private { fields.append(("private", "on")) }
                let published = try await hub.publish(fields, token: tokens["publisher"])
                #expect(published.status == 200, "\(scenario.name)")
                #expect(published.contentType == "text/plain; charset=utf-8")
                #expect(published.body == id, "the hub answers the update's id")
                try await hub.mark([subscriber], token: tokens["publisher"]!)
                let got = subscriber.updates
                #expect(got.count == (scenario.received ? 1 : 0), "\(scenario.name): \(got.map(\.id))")
                if scenario.received {
                    #expect(got.first?.id == id && got.first?.data == "data for\n\n        \(scenario.name)")
                    #expect(got.first?.event == nil, "a message event")
                }
                subscriber.stop()
            }
        }

        @Test func aPublisherNeedsAValidTokenWhosePublishClaimCoversEveryTopic() async throws {
            let tokens = try await onOwnThread { try MercureHub.tokens() }
            let hub = try MercureHub(anonymous: true)
            defer { hub.stop() }
            let book = [("topic", "https://example.com/books/1"), ("data", "{}")]
            let refusals: [(String, [(String, String)], String?)] = [
                ("no token", book, nil),
                ("the subscriber's key", book, tokens["subscriber-key"]),
                ("no mercure.publish claim", book, tokens["no-claim"]),
                ("a topic outside the claim", [("topic", "https://example.com/authors/1")], tokens["books-publisher"]),
                ("one topic of two outside", book + [("topic", "urn:other")], tokens["books-publisher"]),
                ("not a JWT", book, "not.a.token"),
            ]
            for (why, fields, token) in refusals {
                let refused = try await hub.publish(fields, token: token)
                #expect(refused.status == 401, "\(why): \(refused.status) \(refused.body)")
            }
            let basic = try await SSEClient.fetch(
                hub.base + MercureHub.endpoint, method: .POST, headers: [("Authorization", "Basic dXNlcjpwYXNz")],
                body: MercureHub.form(book))
            #expect(basic.status == 401, "Authorization must be a Bearer token")
            #expect(try await hub.publish(book, token: tokens["books-publisher"]).status == 200, "inside the claim")
            #expect(try await hub.publish(book, token: tokens["publisher"], asCookie: true).status == 200, "by cookie")
            let noTopic = try await hub.publish([("data", "x")], token: tokens["publisher"])
            #expect(noTopic.status == 400 && noTopic.body == #"Missing "topic" parameter"#)
            let badRetry = try await hub.publish(book + [("retry", "soon")], token: tokens["publisher"])
            #expect(badRetry.status == 400 && badRetry.body == #"Invalid "retry" parameter"#)
            let injected = try await hub.publish(book + [("id", "a\nretry: 1")], token: tokens["publisher"])
            #expect(injected.status == 400, "an id cannot add fields")
        }

        @Test func anUpdateWithoutIDGetsAUUIDAndTypeAndRetryArrive() async throws {
            let tokens = try await onOwnThread { try MercureHub.tokens() }
            let hub = try MercureHub(anonymous: true)
            defer { hub.stop() }
            let subscriber = try await hub.subscribe(["https://example.com/books/{id}"])
            let published = try await hub.publish(
                [
                    ("topic", "https://example.com/books/1"), ("data", #"{"title":"Dune"}"#), ("type", "book"),
                    ("retry", "2500"),
                ], token: tokens["publisher"])
            #expect(published.status == 200)
            let uuid = /urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/
            #expect(published.body.wholeMatch(of: uuid) != nil, "\(published.body)")
            try await hub.mark([subscriber], token: tokens["publisher"]!)
            let update = try #require(subscriber.updates.first)
            #expect(update.id == published.body && update.event == "book" && update.retry == 2500)
            #expect(update.data == #"{"title":"Dune"}"#)
            let second = try await hub.publish([("topic", "urn:x"), ("data", "")], token: tokens["publisher"])
            #expect(second.body != published.body, "each update its own id")
        }

        @Test func privateUpdatesReachOnlySubscribersWhoseClaimMatches() async throws {
            let tokens = try await onOwnThread { try MercureHub.tokens() }
            let hub = try MercureHub(anonymous: true)
            defer { hub.stop() }
            let selectors = ["https://example.com/books/{id}", "https://example.com/authors/{id}"]
            let anonymous = try await hub.subscribe(selectors)
            let byCookie = try await hub.subscribe(
                selectors, headers: [("Cookie", "mercureAuthorization=\(tokens["books-reader"]!)")])
            let byQuery = try await hub.subscribe(selectors, [("authorization", tokens["books-reader"]!)])
            let byHeader = try await hub.subscribe(
                selectors, headers: [("Authorization", "Bearer \(tokens["reader"]!)")])
            let everyone = [anonymous, byCookie, byQuery, byHeader]
            for (id, topic, isPrivate) in [
                ("public-book", "https://example.com/books/1", false),
                ("private-book", "https://example.com/books/2", true),
                ("private-author", "https://example.com/authors/1", true),
            ] {
                var fields = [("topic", topic), ("id", id), ("data", id)]
                if isPrivate { fields.append(("private", "on")) }
                #expect(try await hub.publish(fields, token: tokens["publisher"]).status == 200)
            }
            try await hub.mark(everyone, token: tokens["publisher"]!)
            #expect(anonymous.updates.map(\.id) == ["public-book"], "no private update without a token")
            #expect(byCookie.updates.map(\.id) == ["public-book", "private-book"], "the claim covers books only")
            #expect(byQuery.updates.map(\.id) == ["public-book", "private-book"], "?authorization= as the cookie")
            #expect(byHeader.updates.map(\.id) == ["public-book", "private-book", "private-author"], "* covers all")
        }

        @Test func lastEventIDReplaysTheMatchingUpdatesAfterIt() async throws {
            let tokens = try await onOwnThread { try MercureHub.tokens() }
            let hub = try MercureHub(anonymous: true)
            defer { hub.stop() }
            for (id, topic) in [
                ("u1", "https://example.com/books/1"), ("u2", "https://example.com/authors/1"),
                ("u3", "https://example.com/books/2"),
            ] {
                _ = try await hub.publish([("topic", topic), ("id", id), ("data", id)], token: tokens["publisher"])
            }
            let books = ["https://example.com/books/{id}"]
            let byHeader = try await hub.subscribe(books, headers: [("Last-Event-ID", "u1")])
            let byQuery = try await hub.subscribe(books, [("lastEventID", "u1")])
            let earliest = try await hub.subscribe(books, [("lastEventID", "earliest")])
            let unknown = try await hub.subscribe(books, headers: [("Last-Event-ID", "never-published")])
            let fresh = try await hub.subscribe(books)
            _ = try await hub.publish(
                [("topic", "https://example.com/books/3"), ("id", "u4"), ("data", "u4")], token: tokens["publisher"])
            try await hub.mark([byHeader, byQuery, earliest, unknown, fresh], token: tokens["publisher"]!)
            #expect(byHeader.updates.map(\.id) == ["u3", "u4"], "after u1, those that match, then live")
            #expect(byQuery.updates.map(\.id) == ["u3", "u4"])
            #expect(earliest.updates.map(\.id) == ["u1", "u3", "u4"])
            #expect(unknown.updates.map(\.id) == ["u4"], "an id the hub does not know replays nothing")
            #expect(fresh.updates.map(\.id) == ["u4"])
            #expect(!byHeader.events.contains { $0.event == "ssescript-gap" })
        }

        @Test func withoutAnonymousASubscriberNeedsAValidTokenAndItsExpiryEndsTheStream() async throws {
            let tokens = try await onOwnThread { try MercureHub.tokens() }
            let hub = try MercureHub(anonymous: false)
            defer { hub.stop() }
            let url = hub.subscription(["urn:a"])
            #expect(try await SSEClient.fetch(url).status == 401, "anonymous")
            for name in ["expired", "publisher"] {  // out of date; signed with the publisher's key
                let refused = try await SSEClient.fetch(
                    url, headers: [("Cookie", "mercureAuthorization=\(tokens[name]!)")])
                #expect(refused.status == 401, "\(name)")
            }
            let noTopic = try await SSEClient.fetch(
                hub.base + MercureHub.endpoint, headers: [("Authorization", "Bearer \(tokens["reader"]!)")])
            #expect(noTopic.status == 400 && noTopic.body == "Missing \"topic\" parameter.\n")
            let reader = try await hub.subscribe(
                ["urn:a"], headers: [("Cookie", "mercureAuthorization=\(tokens["reader"]!)")])
            _ = try await hub.publish([("topic", "urn:a"), ("id", "a1"), ("data", "a")], token: tokens["publisher"])
            try await hub.mark([reader], token: tokens["publisher"]!)
            #expect(reader.updates.map(\.id) == ["a1"])
            let short = try await hub.subscribe(["urn:a"], [("authorization", tokens["short"]!)])
            try await waitUntil(seconds: 6) { short.hasEnded }
        }
    }
}
