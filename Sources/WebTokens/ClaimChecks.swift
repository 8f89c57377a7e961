public import Foundation
internal import JWTKit

/// What a verified token must also satisfy, beyond its signature. `exp` and `nbf` are checked whenever
/// the token has them; `aud` and `iss` only as asked (but a token that names an audience needs `audiences`).
public struct ClaimChecks: Equatable, Sendable {
    /// Accepted audiences: the token's `aud` (a string or a list) must name at least one. Empty: no check.
    public var audiences: [String]
    /// The issuer the token's `iss` must equal, if any.
    public var issuer: String?
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    public var leeway: TimeInterval

    public init(audiences: [String] = [], issuer: String? = nil, leeway: TimeInterval = 0) {
        self.audiences = audiences
        self.issuer = issuer
        self.leeway = max(0, leeway)
    }

    /// Checks the registered claims of a token whose signature already verified.
    func check(_ claims: RegisteredClaims, now: Date) throws(WebTokenError) {
        if let exp = claims.exp {
            do { try exp.verifyNotExpired(currentDate: now.addingTimeInterval(-leeway)) } catch { throw .expired }
        }
        if let nbf = claims.nbf {
            do { try nbf.verifyNotBefore(currentDate: now.addingTimeInterval(leeway)) } catch { throw .notYetValid }
        }
        if audiences.isEmpty {
            if claims.aud != nil { throw .audienceNotChecked }
        } else {
            guard let aud = claims.aud, audiences.contains(where: { aud.value.contains($0) }) else {
                throw .audienceMismatch
            }
        }
        if let issuer, claims.iss?.value != issuer {
            throw .issuerMismatch
        }
    }
}

/// The registered claims the checks read, decoded with jwt-kit's claim types
/// (`aud` as a string or a list, `exp` and `nbf` as NumericDate).
struct RegisteredClaims: Decodable {
    let exp: ExpirationClaim?
    let nbf: NotBeforeClaim?
    let aud: AudienceClaim?
    let iss: IssuerClaim?
}
