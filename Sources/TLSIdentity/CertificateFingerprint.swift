internal import Crypto

/// The SHA-256 fingerprint of a certificate's DER bytes, written as `openssl x509 -fingerprint -sha256`
/// writes it: upper-case hex pairs joined by colons (`AA:BB:…`).
public enum CertificateFingerprint {
    /// The fingerprint of one DER-encoded certificate.
    public static func sha256(der: some Sequence<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(der))
        return digest.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 0x10 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
