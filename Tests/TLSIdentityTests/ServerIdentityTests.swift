import Foundation
import TestProcesses
import TLSIdentity
import Testing

@Suite("Loading a certificate and key from PEM files")
struct ServerIdentityTests {
    @Test("an RSA certificate from openssl req -x509 loads, with openssl's fingerprint")
    func rsaCertificate() async throws {
        let directory = try TemporaryDirectory()
        let files = IdentityFiles(certificatePath: directory.path("cert.pem"), keyPath: directory.path("key.pem"))
        try await OpenSSL.selfSigned(certificate: files.certificatePath, key: files.keyPath, kind: .rsa2048)

        let identity = try ServerIdentity(files: files)
        let pem = try String(contentsOfFile: files.certificatePath, encoding: .utf8)
        #expect(identity.fingerprint == (try await OpenSSL.fingerprint(ofPEM: pem)))
        #expect(identity.certificateChain.count == 1)
        _ = try identity.makeServerContext()
    }

    @Test("an EC key in SEC1 form with its EC PARAMETERS block loads")
    func ecKeyWithParameters() async throws {
        let directory = try TemporaryDirectory()
        let files = IdentityFiles(certificatePath: directory.path("cert.pem"), keyPath: directory.path("key.pem"))
        try await OpenSSL.check(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", files.keyPath])
        try await OpenSSL.check([
            "openssl", "req", "-x509", "-key", files.keyPath, "-out", files.certificatePath, "-days", "2",
            "-subj", "/CN=localhost",
        ])
        let keyText = try String(contentsOfFile: files.keyPath, encoding: .utf8)
        #expect(keyText.contains("BEGIN EC PARAMETERS") && keyText.contains("BEGIN EC PRIVATE KEY"))

        let identity = try ServerIdentity(files: files)
        let pem = try String(contentsOfFile: files.certificatePath, encoding: .utf8)
        #expect(identity.fingerprint == (try await OpenSSL.fingerprint(ofPEM: pem)))
    }

    @Test("a chain (leaf, then its CA) loads whole; the fingerprint is the leaf's")
    func chain() async throws {
        let directory = try TemporaryDirectory()
        let files = IdentityFiles(certificatePath: directory.path("fullchain.pem"), keyPath: directory.path("leaf.key"))
        try await OpenSSL.chain(in: directory, chain: files.certificatePath, key: files.keyPath)

        let identity = try ServerIdentity(files: files)
        #expect(identity.certificateChain.count == 2)
        let leafPEM = try String(contentsOfFile: directory.path("leaf.pem"), encoding: .utf8)
        #expect(identity.fingerprint == (try await OpenSSL.fingerprint(ofPEM: leafPEM)))
    }

    @Test("a missing file is named, with the system's reason, on one line")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path("nope.pem")
        let error = #expect(throws: TLSIdentityError.self) {
            try ServerIdentity(files: IdentityFiles(certificatePath: missing, keyPath: missing))
        }
        #expect(error?.description == "cannot read \(missing): No such file or directory")
    }

    @Test("a file that is not PEM says so")
    func badPEM() async throws {
        let directory = try TemporaryDirectory()
        let files = IdentityFiles(certificatePath: directory.path("cert.pem"), keyPath: directory.path("key.pem"))
        try await OpenSSL.selfSigned(certificate: files.certificatePath, key: files.keyPath, kind: .ecP256)
        let good = try String(contentsOfFile: files.certificatePath, encoding: .utf8)

        try "this is not a certificate\n".write(toFile: files.certificatePath, atomically: true, encoding: .utf8)
        let certificateError = #expect(throws: TLSIdentityError.self) { try ServerIdentity(files: files) }
        #expect(
            certificateError?.description == "bad certificate in \(files.certificatePath): no PEM certificate found")

        try good.write(toFile: files.certificatePath, atomically: true, encoding: .utf8)
        try good.write(toFile: files.keyPath, atomically: true, encoding: .utf8)
        let keyError = #expect(throws: TLSIdentityError.self) { try ServerIdentity(files: files) }
        #expect(keyError?.description == "bad private key in \(files.keyPath): no PEM private key found")
        #expect(keyError?.description.contains("\n") == false)
    }

    @Test("a key that does not match the certificate is refused, naming both files")
    func mismatchedKey() async throws {
        let directory = try TemporaryDirectory()
        try await OpenSSL.selfSigned(certificate: directory.path("a.pem"), key: directory.path("a.key"), kind: .ecP256)
        try await OpenSSL.selfSigned(certificate: directory.path("b.pem"), key: directory.path("b.key"), kind: .rsa2048)
        let files = IdentityFiles(certificatePath: directory.path("a.pem"), keyPath: directory.path("b.key"))

        let error = #expect(throws: TLSIdentityError.self) { try ServerIdentity(files: files) }
        #expect(error == .keyMismatch(certificatePath: files.certificatePath, keyPath: files.keyPath))
        #expect(
            error?.description
                == "the private key in \(files.keyPath) does not match the certificate in \(files.certificatePath)")
    }
}
