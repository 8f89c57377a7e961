internal import ExtrasBase64
public import Foundation
internal import JWTKit

/// Verifying and signing JSON Web Tokens (JWS compact form) with jwt-kit, synchronously once the keys
/// are prepared (``WebTokenKeys``). jwt-kit splits the token, decodes base64url and JSON, and computes
/// and checks the signatures; this type picks the key by the token's `alg` and checks the claims.
public enum WebTokens {
    /// The claims of `token` if its signature verifies with the key its `alg` names and its claims pass
    /// `checks` at `now`; otherwise throws the one-line reason. `alg: none` never verifies.
    public static func verify(
        token: String,
        keys: WebTokenKeys,
        checks: ClaimChecks = ClaimChecks(),
        now: Date = Date()
    ) throws(WebTokenError) -> JSONValue {
        let parser = DefaultJWTParser()
        let bytes = Array(token.utf8)
        let header: JWTHeader
        let claims: TokenClaims
        let signature: Data
        let signingInput: [UInt8]
        do {
            (header, claims, signature) = try parser.parse(bytes, as: TokenClaims.self)
            let parts = try parser.getTokenParts(bytes)
            signingInput = Array(parts.header) + [UInt8(ascii: ".")] + Array(parts.payload)
        } catch {
            throw .malformedToken
        }
        guard let name = header.alg else { throw .malformedToken }
        guard let entry = keys.entry(forAlgorithm: name) else {
            if KeyFamily(algorithm: name) != nil { throw .noKey(algorithm: name) }
            throw .unsupportedAlgorithm(name)
        }
        guard header.fields["crit"] == nil else { throw .unsupportedCriticalHeader }
        guard (try? entry.algorithm.verify(signature, signs: signingInput)) == true else {
            throw .signatureMismatch
        }
        guard let registered = claims.registered else { throw .malformedToken }
        try checks.check(registered, now: now)
        return claims.value
    }

    /// A token carrying `claims` (a JSON object), signed with the one signing key in `keys`,
    /// or with the key of `algorithm` (`HS256`, `ES256`…) when several could sign.
    public static func sign(
        claims: JSONValue,
        keys: WebTokenKeys,
        algorithm: String? = nil
    ) throws(WebTokenError) -> String {
        guard case .object = claims else { throw .badClaims("claims must be an object") }
        let entry = try signingEntry(keys, algorithm: algorithm)
        var header = JWTHeader()
        header.alg = entry.family.algorithm
        header.typ = "JWT"
        let serializer = DefaultJWTSerializer()
        var token: [UInt8]
        do {
            let headerJSON = try serializer.jsonEncoder.encode(header)
            let payload = try serializer.serialize(TokenClaims(claims), header: header)
            token = base64URL(headerJSON) + [UInt8(ascii: ".")] + Array(payload)
        } catch {
            throw .badClaims("cannot encode them as JSON")
        }
        do {
            let signature = try entry.algorithm.sign(token)
            token += [UInt8(ascii: ".")] + base64URL(signature)
        } catch {
            throw .noSigningKey("\(entry.family.rawValue) could not sign")
        }
        return String(decoding: token, as: UTF8.self)
    }

    private static func signingEntry(_ keys: WebTokenKeys, algorithm: String?) throws(WebTokenError)
        -> WebTokenKeys.Entry
    {
        if let algorithm {
            guard let entry = keys.entry(forAlgorithm: algorithm) else { throw .noKey(algorithm: algorithm) }
            guard entry.canSign else {
                throw .noSigningKey("the \(entry.family.rawValue) key is a public key; signing needs the private key")
            }
            return entry
        }
        let signing = keys.signingFamilies
        guard let family = signing.first else {
            throw .noSigningKey("give a secret or a private key")
        }
        guard signing.count == 1 else { throw .ambiguousSigningKey(signing.map(\.algorithm)) }
        return keys.entry(forAlgorithm: family.algorithm)!
    }

    private static func base64URL(_ bytes: some Collection<UInt8>) -> [UInt8] {
        Base64.encodeToBytes(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }
}
