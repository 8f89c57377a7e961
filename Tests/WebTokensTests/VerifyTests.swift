import Foundation
import Testing
import WebTokens

@Suite("Verifying tokens: signatures, times, audience, issuer, and tokens that must be refused")
struct VerifyTests {
    @Test("an HS256 token round-trips its claims, integers exact")
    func hs256RoundTrip() async throws {
        let keys = try await WebTokenKeys([.hs256: String(repeating: "k", count: 32)])
        let claims: JSONValue = [
            "sub": "ada", "admin": true, "n": 9_007_199_254_740_993, "ratio": 0.25, "tags": ["a", "b"],
            "nested": ["x": nil], "exp": .integer(epochNow(plus: 60)),
        ]
        let token = try WebTokens.sign(claims: claims, keys: keys)
        #expect(token.split(separator: ".").count == 3)
        #expect(try WebTokens.verify(token: token, keys: keys) == claims)
        #expect(try WebTokens.verify(token: token, keys: keys)["n"] == .integer(9_007_199_254_740_993))
    }

    @Test("expired and not-yet-valid tokens are refused; the leeway allows clock skew")
    func times() async throws {
        let keys = try await WebTokenKeys([.hs256: String(repeating: "k", count: 32)])
        let expired = try WebTokens.sign(claims: ["exp": .integer(epochNow(plus: -10))], keys: keys)
        #expect(refusal(expired, keys) == "token expired")
        #expect(refusal(expired, keys, ClaimChecks(leeway: 30)) == nil)

        let early = try WebTokens.sign(claims: ["nbf": .integer(epochNow(plus: 10))], keys: keys)
        #expect(refusal(early, keys) == "token not yet valid")
        #expect(refusal(early, keys, ClaimChecks(leeway: 30)) == nil)

        let current = try WebTokens.sign(
            claims: ["nbf": .integer(epochNow(plus: -1)), "exp": .integer(epochNow(plus: 60))], keys: keys)
        #expect(refusal(current, keys) == nil)

        let textExp = try WebTokens.sign(claims: ["exp": "tomorrow"], keys: keys)
        #expect(refusal(textExp, keys) == "malformed token")
    }

    @Test("aud (a string or a list) must name an accepted audience; iss must match")
    func audienceAndIssuer() async throws {
        let keys = try await WebTokenKeys([.hs256: String(repeating: "k", count: 32)])
        let one = try WebTokens.sign(claims: ["aud": "feeds", "iss": "https://auth.example"], keys: keys)
        let list = try WebTokens.sign(claims: ["aud": ["billing", "feeds"]], keys: keys)
        let none = try WebTokens.sign(claims: ["sub": "ada"], keys: keys)

        #expect(refusal(one, keys, ClaimChecks(audiences: ["feeds"])) == nil)
        #expect(refusal(one, keys, ClaimChecks(audiences: ["other", "feeds"])) == nil)
        #expect(refusal(list, keys, ClaimChecks(audiences: ["feeds"])) == nil)
        #expect(refusal(one, keys, ClaimChecks(audiences: ["chat"])) == "audience does not match")
        #expect(refusal(none, keys, ClaimChecks(audiences: ["feeds"])) == "audience does not match")
        #expect(refusal(one, keys) == "token has an audience but no aud check was given")

        let checks = ClaimChecks(audiences: ["feeds"], issuer: "https://auth.example")
        #expect(refusal(one, keys, checks) == nil)
        #expect(
            refusal(one, keys, ClaimChecks(audiences: ["feeds"], issuer: "https://evil.example"))
                == "issuer does not match")
        #expect(refusal(none, keys, ClaimChecks(issuer: "https://auth.example")) == "issuer does not match")
    }

    @Test("a wrong key or a changed token does not verify")
    func wrongKey() async throws {
        let keys = try await WebTokenKeys([.hs256: String(repeating: "k", count: 32)])
        let other = try await WebTokenKeys([.hs256: String(repeating: "j", count: 32)])
        let token = try WebTokens.sign(claims: ["sub": "ada"], keys: keys)
        #expect(refusal(token, other) == "signature does not match")

        let parts = token.split(separator: ".").map(String.init)
        let forged = [parts[0], base64URL(#"{"sub":"root"}"#), parts[2]].joined(separator: ".")
        #expect(refusal(forged, keys) == "signature does not match")
    }

    @Test("alg none is refused, even with the claims of a good token")
    func algNone() async throws {
        let keys = try await WebTokenKeys([.hs256: String(repeating: "k", count: 32)])
        let token = try WebTokens.sign(claims: ["sub": "ada"], keys: keys)
        let parts = token.split(separator: ".").map(String.init)
        for alg in ["none", "None", "NONE"] {
            let header = base64URL(#"{"alg":"\#(alg)","typ":"JWT"}"#)
            #expect(refusal("\(header).\(parts[1]).", keys) == "unsupported algorithm \(alg)")
            #expect(refusal("\(header).\(parts[1]).\(parts[2])", keys) == "unsupported algorithm \(alg)")
        }
    }

    @Test("truncated tokens and garbage are malformed, or fail their signature")
    func truncatedAndGarbage() async throws {
        let keys = try await WebTokenKeys([.hs256: String(repeating: "k", count: 32)])
        let token = try WebTokens.sign(claims: ["sub": "ada", "exp": .integer(epochNow(plus: 60))], keys: keys)
        let firstDot = token.firstIndex(of: ".")!
        #expect(refusal(String(token[..<token.index(firstDot, offsetBy: 10)]), keys) == "malformed token")
        #expect(refusal(String(token.dropLast(5)), keys) == "signature does not match")
        #expect(refusal(String(token[..<token.lastIndex(of: ".")!]), keys) == "malformed token")

        let garbage = ["", "hello", "a.b.c", "...", "🙂.🙂.🙂", base64URL("{}") + ".e30.", "x.\(token)"]
        for text in garbage {
            #expect(refusal(text, keys) == "malformed token", "\(text)")
        }
        let notObject = base64URL(#"{"alg":"HS256"}"#) + "." + base64URL("[1,2]") + ".c2ln"
        #expect(refusal(notObject, keys) == "malformed token")
        let noAlg = base64URL(#"{"typ":"JWT"}"#) + "." + base64URL("{}") + ".c2ln"
        #expect(refusal(noAlg, keys) == "malformed token")
    }

    @Test("the token's alg picks the key; an alg without a key or unknown is named")
    func algPicksKey() async throws {
        let material = try await TestKeys([.hs256, .es256, .rs256])
        let signing = try await material.signing([.hs256, .es256, .rs256])
        let verifying = try await material.verifying([.hs256, .es256])

        let hs = try WebTokens.sign(claims: ["k": "hs"], keys: signing, algorithm: "HS256")
        let es = try WebTokens.sign(claims: ["k": "es"], keys: signing, algorithm: "ES256")
        let rs = try WebTokens.sign(claims: ["k": "rs"], keys: signing, algorithm: "RS256")
        #expect(try WebTokens.verify(token: hs, keys: verifying)["k"] == "hs")
        #expect(try WebTokens.verify(token: es, keys: verifying)["k"] == "es")
        #expect(refusal(rs, verifying) == "no key for algorithm RS256")

        let parts = hs.split(separator: ".").map(String.init)
        let ps256 = [base64URL(#"{"alg":"PS256"}"#), parts[1], parts[2]].joined(separator: ".")
        #expect(refusal(ps256, verifying) == "unsupported algorithm PS256")
    }
}
