import Foundation
import TLSIdentity
import Testing

@Suite("A self-signed certificate made in memory")
struct SelfSignedTests {
    @Test("names localhost, 127.0.0.1 and ::1, has a P-256 key, and its fingerprint is openssl's")
    func namesKeyAndFingerprint() async throws {
        let certificate = try SelfSigned()
        let text = try await OpenSSL.text(ofPEM: certificate.certificatePEM)

        #expect(text.contains("DNS:localhost"))
        #expect(text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("prime256v1"))
        #expect(text.contains("ecdsa-with-SHA256"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(text.contains("CA:FALSE"))
        #expect(certificate.fingerprint == (try await OpenSSL.fingerprint(ofPEM: certificate.certificatePEM)))
        #expect(certificate.fingerprint.count == 32 * 3 - 1)
        #expect(certificate.fingerprint == certificate.fingerprint.uppercased())
    }

    @Test("each one has its own key and serial, so its own fingerprint")
    func distinct() throws {
        #expect(try SelfSigned().fingerprint != SelfSigned().fingerprint)
    }

    @Test("openssl reads its key PEM and finds it matches the certificate")
    func keyMatches() async throws {
        let certificate = try SelfSigned()
        let fromKey = try await OpenSSL.check(["openssl", "pkey", "-pubout"], input: certificate.privateKeyPEM)
        let fromCertificate = try await OpenSSL.check(
            ["openssl", "x509", "-noout", "-pubkey"], input: certificate.certificatePEM)
        #expect(fromKey.output == fromCertificate.output)
    }
}
