import Foundation
import Testing

/// `sse.jwt` against tokens made by Python's PyJWT (a library nobody here wrote),
/// and a stream that lets in only verified subscribers.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: Python.has("jwt")))
struct JWTTests {
    static let secret = String(repeating: "k", count: 32)

    /// Tokens PyJWT makes for each case, one `name token` per line; an ES256 key
    /// pair first (`pem` line with the public key, escaped).
    static let makeTokens = #"""
        import sys, time, jwt
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives import serialization
        secret = "k" * 32
        now = int(time.time())
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        print("pem", public.replace("\n", "|"))
        claims = {"sub": "ada", "aud": "feeds", "exp": now + 600, "n": 7, "roles": ["a", "b"]}
        print("valid", jwt.encode(claims, secret, algorithm="HS256"))
        print("es256", jwt.encode(claims, key, algorithm="ES256"))
        print("expired", jwt.encode(dict(claims, exp=now - 600), secret, algorithm="HS256"))
        print("early", jwt.encode(dict(claims, nbf=now + 600), secret, algorithm="HS256"))
        print("wrongkey", jwt.encode(claims, "x" * 32, algorithm="HS256"))
        print("wrongaud", jwt.encode(dict(claims, aud="other"), secret, algorithm="HS256"))
        print("none", jwt.encode(claims, None, algorithm="none"))
        print("truncated", jwt.encode(claims, secret, algorithm="HS256")[:-6])
        print("garbage", "not.a.token")
        """#

    static func tokens() throws -> [String: String] {
        let made = try Python.run(makeTokens)
        guard made.status == 0 else { throw TimedOut(seconds: 0) }
        return Dictionary(
            uniqueKeysWithValues: made.output.split(separator: "\n").map { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                return (String(parts[0]), String(parts[1]))
            })
    }

    static func script(publicKey: String) -> String {
        """
        local secret = string.rep("k", 32)
        local keys = { hs256 = secret, es256 = [[\(publicKey)]] }
        -- verified at the top level too (the keys are prepared on the spot)
        assert(sse.jwt.verify("not.a.token", keys) == nil)
        sse.get("/verify", function(req)
          local claims, reason = sse.jwt.verify(req.query.token, keys, { aud = "feeds", leeway = 5 })
          if not claims then return 401, reason end
          return { sub = claims.sub, n = claims.n, roles = claims.roles, integer = math.type(claims.n) }
        end)
        sse.stream("/private", function(client)
          local token = client.query.token or client.cookies.token
          if not token then return client:deny(401, "a token is required") end
          local claims, reason = sse.jwt.verify(token, keys, { aud = "feeds" })
          if not claims then return client:deny(401, reason) end
          client:send("hello " .. claims.sub)
          client:close()
        end)
        sse.get("/sign", function(req)
          return sse.jwt.sign({ sub = req.query.sub, aud = "feeds", exp = os.time() + 60, tags = { 1, 2 } },
                              { hs256 = secret })
        end)
        """
    }

    @Test func verifyAcceptsGoodTokensAndSaysWhyItRefusesTheOthers() async throws {
        let tokens = try await onOwnThread { try Self.tokens() }
        let pem = try #require(tokens["pem"]).replacingOccurrences(of: "|", with: "\n")
        try await withLiveServer(script: Self.script(publicKey: pem)) { live in
            func verify(_ name: String) async throws -> (status: UInt, body: String) {
                let token = try #require(tokens[name])
                let result = try await SSEClient.fetch(live.url("/verify?token=\(token)"))
                return (result.status, result.body)
            }
            let valid = try await verify("valid")
            #expect(valid.status == 200)
            let claims = try JSONSerialization.jsonObject(with: Data(valid.body.utf8)) as? [String: Any]
            #expect(claims?["sub"] as? String == "ada" && claims?["n"] as? Int == 7)
            #expect(claims?["roles"] as? [String] == ["a", "b"] && claims?["integer"] as? String == "integer")
            #expect(try await verify("es256").status == 200, "ES256 with a PEM public key")
            let refusals: [(String, String)] = [
                ("expired", "token expired"), ("early", "token not yet valid"),
                ("wrongkey", "signature does not match"), ("wrongaud", "audience does not match"),
                ("none", "unsupported algorithm none"), ("truncated", "malformed token"),
                ("garbage", "malformed token"),
            ]
            for (name, reason) in refusals {
                let refused = try await verify(name)
                #expect(refused.status == 401 && refused.body == reason, "\(name): \(refused.body)")
            }
        }
    }

    @Test func aStreamDeniesAMissingOrBadTokenWith401() async throws {
        let tokens = try await onOwnThread { try Self.tokens() }
        let pem = try #require(tokens["pem"]).replacingOccurrences(of: "|", with: "\n")
        try await withLiveServer(script: Self.script(publicKey: pem)) { live in
            let missing = try await SSEClient.fetch(live.url("/private"))
            #expect(missing.status == 401 && missing.body == "a token is required\n")
            let expired = try await SSEClient.fetch(live.url("/private?token=\(tokens["expired"]!)"))
            #expect(expired.status == 401 && expired.body == "token expired\n")
            var byQuery = try await SSEClient.open(live.url("/private?token=\(tokens["valid"]!)"))
            #expect(try await byQuery.rest().map(\.data) == ["hello ada"])
            var byCookie = try await SSEClient.open(
                live.url("/private"), headers: [("Cookie", "theme=dark; token=\(tokens["es256"]!)")])
            #expect(try await byCookie.rest().map(\.data) == ["hello ada"], "EventSource sends cookies, not headers")
        }
    }

    @Test func aTokenSignedByTheScriptVerifiesInPyJWT() async throws {
        try await withLiveServer(script: Self.script(publicKey: "")) { live in
            let token = try await SSEClient.fetch(live.url("/sign?sub=grace")).body
            let check = #"""
                import sys, jwt
                claims = jwt.decode(sys.argv[1], "k" * 32, algorithms=["HS256"], audience="feeds")
                print(claims["sub"], claims["tags"])
                """#
            let result = try await onOwnThread { try Python.run(check, [token]) }
            #expect(result.status == 0 && result.output == "grace [1, 2]\n", "\(result.errors)")
        }
    }

    /// The first verify with a keys table never seen yields while jwt-kit prepares
    /// the keys: the client stays pending meanwhile, so the handler can still deny it.
    @Test func aHandlerThatWaitsForNewKeysCanStillDeny() async throws {
        let secret = "fresh-" + String(repeating: "s", count: 40) + "\(UInt64.random(in: 0...UInt64.max))"
        let script = """
            local keys = { hs256 = "\(secret)" }
            sse.stream("/private", function(client)
              local claims, reason = sse.jwt.verify(client.query.token or "", keys)
              if not claims then return client:deny(401, reason) end
              client:send("hello " .. claims.sub)
            end)
            """
        try await withLiveServer(script: script) { live in
            let first = try await SSEClient.fetch(live.url("/private?token=not.a.token"))
            #expect(first.status == 401 && first.body == "malformed token\n", "the very first request: \(first)")
            let again = try await SSEClient.fetch(live.url("/private?token=x.y.z"))
            #expect(again.status == 401)
        }
    }

}
