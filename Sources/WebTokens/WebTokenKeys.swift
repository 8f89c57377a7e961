internal import JWTKit

/// Keys ready to verify and sign, by `alg`. Made once from a keys table (async: jwt-kit hands out its
/// algorithm objects only through its `JWTKeyCollection` actor), then used synchronously by
/// ``WebTokens/verify(token:keys:checks:now:)`` and ``WebTokens/sign(claims:keys:algorithm:)``.
public struct WebTokenKeys: Sendable {
    struct Entry: Sendable {
        let family: KeyFamily
        let algorithm: any JWTAlgorithm
        let canSign: Bool
    }

    /// By JWS `alg` name (`HS256`…).
    let entries: [String: Entry]

    /// The families given, in a stable order.
    public var families: [KeyFamily] {
        KeyFamily.allCases.filter { entries[$0.algorithm] != nil }
    }

    /// Families whose key can sign (a secret or a private key).
    public var signingFamilies: [KeyFamily] {
        families.filter { entries[$0.algorithm]!.canSign }
    }

    /// Prepares keys: a secret (bytes) for `hs*`, a PEM public or private key for `es*`, `rs*` and `eddsa`.
    /// A private key verifies too. Throws ``WebTokenError/badKey(family:reason:)`` naming the first bad one.
    public init(_ keys: [KeyFamily: [UInt8]]) async throws(WebTokenError) {
        let collection = JWTKeyCollection()
        var entries: [String: Entry] = [:]
        for family in KeyFamily.allCases {
            guard let material = keys[family] else { continue }
            let kid = JWKIdentifier(string: family.rawValue)
            let canSign = try await KeyMaterial.add(material, as: family, kid: kid, to: collection)
            do {
                let algorithm = try await collection.getKey(for: kid)
                entries[family.algorithm] = Entry(family: family, algorithm: algorithm, canSign: canSign)
            } catch {
                throw .badKey(family: family.rawValue, reason: "jwt-kit refused it")
            }
        }
        self.entries = entries
    }

    /// Secrets and PEM keys given as text (UTF-8).
    public init(_ keys: [KeyFamily: String]) async throws(WebTokenError) {
        try await self.init(keys.mapValues { Array($0.utf8) })
    }

    func entry(forAlgorithm name: String) -> Entry? {
        entries[name]
    }
}
