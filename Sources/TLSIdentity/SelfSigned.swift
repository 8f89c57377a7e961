internal import Crypto
public import Foundation
internal import SwiftASN1
internal import X509

/// A certificate made in memory for development: `localhost`, `127.0.0.1` and `::1`, a fresh P-256 key,
/// signed by itself. Browsers warn about it (Chromium accepts it with `--ignore-certificate-errors`);
/// the fingerprint lets a person check which one a server presents.
public struct SelfSigned: Sendable {
    /// The names the certificate is valid for (subjectAltName): one DNS name and two IP addresses.
    public static let dnsNames = ["localhost"]
    public static let ipAddresses: [[UInt8]] = [[127, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]]

    /// The certificate and key, loaded and checked as files would be.
    public let identity: ServerIdentity
    /// The certificate as PEM, e.g. to hand to a client as its trust root or to write to a file.
    public let certificatePEM: String
    /// The private key as PKCS#8 PEM.
    public let privateKeyPEM: String
    /// SHA-256 of the certificate's DER, `AA:BB:…`.
    public var fingerprint: String { identity.fingerprint }

    /// Makes a new key and certificate, valid from an hour before `now` for `validity` seconds (a year by default).
    public init(now: Date = Date(), validity: TimeInterval = 365 * 24 * 3600) throws(TLSIdentityError) {
        let key = P256.Signing.PrivateKey()
        let certificatePEM: String
        do {
            let issuerKey = Certificate.PrivateKey(key)
            let name = try DistinguishedName {
                CommonName("localhost")
                OrganizationName("ssescript development")
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: issuerKey.publicKey,
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(validity),
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Self.extensions(),
                issuerPrivateKey: issuerKey
            )
            certificatePEM = try certificate.serializeAsPEM().pemString
        } catch {
            throw .selfSignedFailed(reason: String(firstLineOf: error))
        }
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = key.pemRepresentation
        self.identity = try ServerIdentity(
            certificatePEM: Array(certificatePEM.utf8),
            privateKeyPEM: Array(privateKeyPEM.utf8),
            certificateName: "the self-signed certificate",
            keyName: "the self-signed key"
        )
    }

    private static func extensions() throws -> Certificate.Extensions {
        let names: [GeneralName] =
            dnsNames.map { .dnsName($0) } + ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        return try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
        }
    }
}
