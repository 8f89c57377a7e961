import Foundation
import Testing
import WebTokens

@Suite("Tokens between WebTokens and Python's PyJWT", .timeLimit(.minutes(1)))
struct PyJWTInteropTests {
    static let families: [KeyFamily] = [.hs256, .es256, .rs256, .eddsa, .hs512, .es384, .rs512]

    @Test("a token PyJWT signs verifies here, with public keys only", arguments: families)
    func pyjwtSignsWeVerify(family: KeyFamily) async throws {
        let keys = try await TestKeys([family])
        let exp = epochNow(plus: 120)
        let claims = #"{"sub": "ada", "aud": "feeds", "iss": "auth", "exp": \#(exp), "n": 9007199254740993}"#
        let token = try await PyJWT.encode(claims, algorithm: family.algorithm, keyPath: keys.privatePath(family))

        let verified = try WebTokens.verify(
            token: token, keys: try await keys.verifying([family]),
            checks: ClaimChecks(audiences: ["feeds"], issuer: "auth"))
        #expect(
            verified == ["sub": "ada", "aud": "feeds", "iss": "auth", "exp": .integer(exp), "n": 9_007_199_254_740_993])
    }

    @Test("a token signed here verifies in PyJWT", arguments: families)
    func weSignPyJWTVerifies(family: KeyFamily) async throws {
        let keys = try await TestKeys([family])
        let exp = epochNow(plus: 120)
        let token = try WebTokens.sign(
            claims: ["sub": "ada", "aud": ["feeds"], "exp": .integer(exp), "ok": true, "r": 0.5],
            keys: try await keys.signing([family]))

        let decoded = try await PyJWT.decode(
            token, algorithm: family.algorithm, keyPath: keys.publicPath(family), optionsJSON: #"{"audience": "feeds"}"#
        )
        #expect(decoded == #"{"aud": ["feeds"], "exp": \#(exp), "ok": true, "r": 0.5, "sub": "ada"}"#)
    }

    @Test("PyJWT's alg none and its expired tokens are refused here; it refuses ours when tampered")
    func refusalsAgree() async throws {
        let keys = try await TestKeys([.hs256])
        let verifying = try await keys.verifying([.hs256])

        let none = try await PyJWT.encode(#"{"sub": "root"}"#, algorithm: "none", keyPath: nil)
        #expect(refusal(none, verifying) == "unsupported algorithm none")

        let expired = try await PyJWT.encode(
            #"{"exp": \#(epochNow(plus: -60))}"#, algorithm: "HS256", keyPath: keys.privatePath(.hs256))
        #expect(refusal(expired, verifying) == "token expired")

        let ours = try WebTokens.sign(claims: ["sub": "ada"], keys: try await keys.signing([.hs256]))
        let tampered = String(ours.dropLast(2)) + (ours.hasSuffix("AA") ? "BB" : "AA")
        let decoded = try await PyJWT.decode(tampered, algorithm: "HS256", keyPath: keys.publicPath(.hs256))
        #expect(decoded.hasPrefix("refused: InvalidSignatureError"))
        #expect(refusal(tampered, verifying) == "signature does not match")
    }

    @Test("a crit header that nobody here understands is refused")
    func criticalHeader() async throws {
        let keys = try await TestKeys([.hs256])
        let token = try await PyJWT.encode(
            #"{"sub": "ada"}"#, algorithm: "HS256", keyPath: keys.privatePath(.hs256),
            headersJSON: #"{"crit": ["urn:example:must-understand"], "urn:example:must-understand": 1}"#)
        #expect(refusal(token, try await keys.verifying([.hs256])) == "unsupported critical header")
    }
}
