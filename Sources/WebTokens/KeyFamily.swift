/// A key's algorithm family, as a script names it in its keys table (`{ hs256 = secret, es256 = pem }`).
/// Each family is one JWS `alg`; a token's `alg` header picks the key.
public enum KeyFamily: String, CaseIterable, Hashable, Sendable {
    case hs256, hs384, hs512
    case es256, es384
    case rs256, rs384, rs512
    case eddsa

    /// The JWS `alg` this family signs and verifies (`HS256`, `ES256`, `EdDSA`…).
    public var algorithm: String {
        self == .eddsa ? "EdDSA" : rawValue.uppercased()
    }

    /// The family whose `alg` is `name`, if this library knows it.
    public init?(algorithm name: String) {
        guard let family = Self.allCases.first(where: { $0.algorithm == name }) else { return nil }
        self = family
    }

    /// HMAC families take a secret; the others take a PEM key.
    public var takesSecret: Bool {
        switch self {
        case .hs256, .hs384, .hs512: true
        default: false
        }
    }

    /// The shortest HMAC secret RFC 7518 §3.2 allows: as long as the hash output.
    var minimumSecretLength: Int {
        switch self {
        case .hs256: 32
        case .hs384: 48
        case .hs512: 64
        default: 0
        }
    }
}
