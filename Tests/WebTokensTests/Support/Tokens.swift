import Foundation
import WebTokens

/// Seconds since 1970 now, as a JSON integer claim.
func epochNow(plus seconds: Int64 = 0) -> Int64 {
    Int64(Date().timeIntervalSince1970) + seconds
}

/// The reason `token` does not verify, or nil when it does.
func refusal(_ token: String, _ keys: WebTokenKeys, _ checks: ClaimChecks = ClaimChecks()) -> String? {
    do {
        _ = try WebTokens.verify(token: token, keys: keys, checks: checks)
        return nil
    } catch {
        return error.description
    }
}

/// base64url without padding, for tokens a test makes by hand on purpose (an attacker's `alg: none`).
func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
