/// Why a token did not verify, or keys or claims were refused: `description` is the one-line reason
/// a script gets as the second result of `sse.jwt.verify` / `sse.jwt.sign`.
public enum WebTokenError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Not three base64url parts of JSON, a header without `alg`, claims that are not an object,
    /// or a registered claim of the wrong type (`exp` that is not a number…).
    case malformedToken
    /// `alg` names nothing this library verifies (`none` always lands here).
    case unsupportedAlgorithm(String)
    /// The header names a `crit` extension; none is understood, so the token must be refused (RFC 7515 §4.1.11).
    case unsupportedCriticalHeader
    /// `alg` is one the library knows, but no key of that family was given.
    case noKey(algorithm: String)
    case signatureMismatch
    case expired
    case notYetValid
    case audienceMismatch
    /// The token names an audience but the checks name none: RFC 7519 §4.1.3 says refuse it.
    case audienceNotChecked
    case issuerMismatch
    /// A key could not be used: `family` is the table key (`es256`…), `reason` says why.
    case badKey(family: String, reason: String)
    /// Signing needs a private key of the chosen family (or a secret).
    case noSigningKey(String)
    /// Several signing keys and no algorithm named: which one to use is ambiguous.
    case ambiguousSigningKey([String])
    /// Claims to sign that are not a JSON object, or could not be encoded.
    case badClaims(String)

    public var description: String {
        switch self {
        case .malformedToken: "malformed token"
        case .unsupportedAlgorithm(let name): "unsupported algorithm \(name)"
        case .unsupportedCriticalHeader: "unsupported critical header"
        case .noKey(let algorithm): "no key for algorithm \(algorithm)"
        case .signatureMismatch: "signature does not match"
        case .expired: "token expired"
        case .notYetValid: "token not yet valid"
        case .audienceMismatch: "audience does not match"
        case .audienceNotChecked: "token has an audience but no aud check was given"
        case .issuerMismatch: "issuer does not match"
        case .badKey(let family, let reason): "bad \(family) key: \(reason)"
        case .noSigningKey(let reason): "no signing key: \(reason)"
        case .ambiguousSigningKey(let names): "several signing keys (\(names.joined(separator: ", "))): name one"
        case .badClaims(let reason): "bad claims: \(reason)"
        }
    }
}
