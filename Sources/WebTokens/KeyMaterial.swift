internal import JWTKit

/// Turns a secret or PEM text into a jwt-kit key of one family and adds it to a collection.
enum KeyMaterial {
    /// Adds the key under `kid`; returns whether it can sign (a secret or a private key).
    static func add(
        _ material: [UInt8],
        as family: KeyFamily,
        kid: JWKIdentifier,
        to collection: JWTKeyCollection
    ) async throws(WebTokenError) -> Bool {
        if family.takesSecret {
            guard material.count >= family.minimumSecretLength else {
                let reason = "the secret must be at least \(family.minimumSecretLength) bytes (RFC 7518 §3.2)"
                throw .badKey(family: family.rawValue, reason: reason)
            }
            await collection.add(hmac: HMACKey(from: material), digestAlgorithm: digest(family), kid: kid)
            return true
        }
        let pem = String(decoding: material, as: UTF8.self)
        let isPrivate = pem.contains("PRIVATE KEY-----")
        do {
            try await addPEM(pem, isPrivate: isPrivate, as: family, kid: kid, to: collection)
        } catch {
            let kind = isPrivate ? "private" : "public"
            let size = family.algorithm.hasPrefix("RS") ? " of 2048 bits or more" : ""
            throw .badKey(family: family.rawValue, reason: "not a PEM \(kind) key for \(family.algorithm)\(size)")
        }
        return isPrivate
    }

    private static func addPEM(
        _ pem: String,
        isPrivate: Bool,
        as family: KeyFamily,
        kid: JWKIdentifier,
        to keys: JWTKeyCollection
    ) async throws {
        switch (family, isPrivate) {
        case (.es256, true): await keys.add(ecdsa: try ES256PrivateKey(pem: pem), kid: kid)
        case (.es256, false): await keys.add(ecdsa: try ES256PublicKey(pem: pem), kid: kid)
        case (.es384, true): await keys.add(ecdsa: try ES384PrivateKey(pem: pem), kid: kid)
        case (.es384, false): await keys.add(ecdsa: try ES384PublicKey(pem: pem), kid: kid)
        case (.rs256, _), (.rs384, _), (.rs512, _):
            let key: any RSAKey =
                isPrivate ? try Insecure.RSA.PrivateKey(pem: pem) : try Insecure.RSA.PublicKey(pem: pem)
            await keys.add(rsa: key, digestAlgorithm: digest(family), kid: kid)
        case (.eddsa, true): await keys.add(eddsa: try EdDSA.PrivateKey(pem: pem), kid: kid)
        case (.eddsa, false): await keys.add(eddsa: try EdDSA.PublicKey(pem: pem), kid: kid)
        case (.hs256, _), (.hs384, _), (.hs512, _): preconditionFailure("secrets are not PEM")
        }
    }

    private static func digest(_ family: KeyFamily) -> DigestAlgorithm {
        switch family {
        case .hs384, .rs384, .es384: .sha384
        case .hs512, .rs512: .sha512
        default: .sha256
        }
    }
}
