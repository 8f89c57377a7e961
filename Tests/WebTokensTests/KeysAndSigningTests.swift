import Foundation
import Testing
import WebTokens

@Suite("Keys a script gives, and what signing needs")
struct KeysAndSigningTests {
    @Test("a short HMAC secret is refused (RFC 7518 §3.2)")
    func shortSecret() async throws {
        let error = await #expect(throws: WebTokenError.self) { try await WebTokenKeys([.hs256: "secret"]) }
        #expect(error?.description == "bad hs256 key: the secret must be at least 32 bytes (RFC 7518 §3.2)")
        await #expect(throws: WebTokenError.self) {
            try await WebTokenKeys([.hs512: String(repeating: "k", count: 63)])
        }
    }

    @Test("a PEM that is not a key of its family names the family")
    func badPEM() async throws {
        let material = try await TestKeys([.es384, .eddsa])
        let error = await #expect(throws: WebTokenError.self) {
            try await WebTokenKeys([.es256: material.publicPEM[.es384]!])
        }
        #expect(error?.description == "bad es256 key: not a PEM public key for ES256")
        let rsa = await #expect(throws: WebTokenError.self) {
            try await WebTokenKeys([.rs256: material.privatePEM[.eddsa]!])
        }
        #expect(rsa?.description == "bad rs256 key: not a PEM private key for RS256 of 2048 bits or more")
        await #expect(throws: WebTokenError.self) { try await WebTokenKeys([.eddsa: "not a key"]) }
    }

    @Test("signing needs a private key, and a named algorithm when several could sign")
    func signingKeys() async throws {
        let material = try await TestKeys([.hs256, .es256])
        let publicOnly = try await material.verifying([.es256])
        #expect(throws: WebTokenError.noSigningKey("give a secret or a private key")) {
            try WebTokens.sign(claims: [:], keys: publicOnly)
        }
        let error = #expect(throws: WebTokenError.self) {
            try WebTokens.sign(claims: [:], keys: publicOnly, algorithm: "ES256")
        }
        #expect(error?.description == "no signing key: the es256 key is a public key; signing needs the private key")

        let both = try await material.signing([.hs256, .es256])
        #expect(both.signingFamilies == [.hs256, .es256])
        let ambiguous = #expect(throws: WebTokenError.self) { try WebTokens.sign(claims: [:], keys: both) }
        #expect(ambiguous?.description == "several signing keys (HS256, ES256): name one")
        #expect(throws: WebTokenError.noKey(algorithm: "RS256")) {
            try WebTokens.sign(claims: [:], keys: both, algorithm: "RS256")
        }
        #expect(throws: WebTokenError.badClaims("claims must be an object")) {
            try WebTokens.sign(claims: [1, 2], keys: both, algorithm: "HS256")
        }
    }

    @Test("a private key verifies too")
    func privateKeyVerifies() async throws {
        let material = try await TestKeys([.eddsa])
        let keys = try await material.signing([.eddsa])
        let token = try WebTokens.sign(claims: ["sub": "ada"], keys: keys)
        #expect(try WebTokens.verify(token: token, keys: keys) == ["sub": "ada"])
    }
}

@Suite("Prepared keys kept by their table")
struct KeyCacheTests {
    @Test("the second lookup of a table is synchronous, and the cache stays within its capacity")
    func cache() async throws {
        let cache = WebTokenKeyCache(capacity: 2)
        let table: WebTokenKeyCache.Table = [.hs256: Array(repeating: 7, count: 32)]
        #expect(cache.cached(table) == nil)
        let keys = try await cache.keys(for: table)
        let token = try WebTokens.sign(claims: ["sub": "ada"], keys: keys)
        let again = try #require(cache.cached(table))
        #expect(try WebTokens.verify(token: token, keys: again) == ["sub": "ada"])

        for byte in UInt8(1)...3 {
            _ = try await cache.keys(for: [.hs384: Array(repeating: byte, count: 48)])
        }
        #expect(cache.count == 2)
        await #expect(throws: WebTokenError.self) { try await cache.keys(for: [.hs256: [1]]) }
        #expect(cache.count == 2)
    }
}
