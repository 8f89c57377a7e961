internal import JWTKit

/// A token's payload as jwt-kit's parser decodes it: every claim as JSON, and the registered ones typed.
struct TokenClaims: JWTPayload {
    let value: JSONValue
    let registered: RegisteredClaims?

    init(_ value: JSONValue) {
        self.value = value
        self.registered = nil
    }

    init(from decoder: any Decoder) throws {
        value = try JSONValue(from: decoder)
        guard case .object = value else {
            throw DecodingError.typeMismatch(
                JSONValue.self, .init(codingPath: [], debugDescription: "claims are not an object"))
        }
        registered = try RegisteredClaims(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }

    /// Not used: ``ClaimChecks`` checks the claims, synchronously, with the script's audiences and leeway.
    func verify(using algorithm: some JWTAlgorithm) throws {}
}
