import Foundation
import TestProcesses
import TLSIdentity
import Testing

@Suite("A live TLS server taking each connection's certificate from the store", .timeLimit(.minutes(1)))
struct CertificateStoreTests {
    private let request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test("ALPN picks h2 when offered, http/1.1 otherwise; the certificate served is the store's")
    func alpnAndFingerprint() async throws {
        let store = try CertificateStore(identity: try SelfSigned().identity)
        try await TinyHTTPSServer.with(store) { server in
            try await checkALPN(server, store: store)
        }
    }

    private func checkALPN(_ server: TinyHTTPSServer, store: CertificateStore) async throws {
        let both = try await TLSClientSession(port: server.port, alpn: "h2,http/1.1")
        #expect(both.negotiatedProtocol == "h2")
        #expect(try await OpenSSL.fingerprint(ofPEM: #require(both.serverCertificatePEM)) == store.fingerprint)
        await both.close()

        let http1 = try await TLSClientSession(port: server.port, alpn: "http/1.1")
        #expect(http1.negotiatedProtocol == "http/1.1")
        await http1.close()

        let none = try await TLSClientSession(port: server.port)
        #expect(none.negotiatedProtocol == nil)
        #expect(none.output.contains("No ALPN negotiated"))
        await none.close()
    }

    @Test("curl -k over HTTP/1.1 gets the response; curl offering h2 is answered h2")
    func curl() async throws {
        let store = try CertificateStore(identity: try SelfSigned().identity)
        let port = try await TinyHTTPSServer.with(store) { server in
            try await checkCurl(port: server.port)
            return server.port
        }
        #expect(port > 0)
    }

    private func checkCurl(port: Int) async throws {
        let url = "https://127.0.0.1:\(port)/"

        let http1 = try await Command.run(["curl", "-k", "-v", "-sS", "--max-time", "10", "--http1.1", url])
        #expect(http1.status == 0)
        #expect(http1.output == "ok http/1.1\n")
        #expect(http1.errorOutput.contains("ALPN: server accepted http/1.1"))

        // Only the negotiation is checked: this tiny server answers HTTP/1.1 bytes, which curl then refuses.
        let h2 = try await Command.run(["curl", "-k", "-v", "-sS", "--max-time", "10", "--http2", url])
        #expect(h2.errorOutput.contains("ALPN: offers h2,http/1.1"))
        #expect(h2.errorOutput.contains("ALPN: server accepted h2"))
    }

    @Test("rotated files reach new connections; an open connection keeps working; a bad file keeps the old one")
    func rotation() async throws {
        let directory = try TemporaryDirectory()
        let files = IdentityFiles(certificatePath: directory.path("cert.pem"), keyPath: directory.path("key.pem"))
        let first = try SelfSigned()
        try first.certificatePEM.write(toFile: files.certificatePath, atomically: true, encoding: .utf8)
        try first.privateKeyPEM.write(toFile: files.keyPath, atomically: true, encoding: .utf8)
        let store = try CertificateStore(files: files)
        #expect(store.fingerprint == first.fingerprint)
        #expect(store.reloadIfChanged() == .unchanged)
        try await TinyHTTPSServer.with(store) { server in
            try await rotate(store, files: files, in: directory, port: server.port, first: first)
        }
    }

    private func rotate(
        _ store: CertificateStore,
        files: IdentityFiles,
        in directory: TemporaryDirectory,
        port: Int,
        first: SelfSigned
    ) async throws {
        let open = try await TLSClientSession(port: port, alpn: "http/1.1")
        #expect(try await OpenSSL.fingerprint(ofPEM: #require(open.serverCertificatePEM)) == first.fingerprint)
        try open.send(request)
        try await open.waitFor("ok http/1.1", occurrences: 1)

        // Renewal by rename, key first: for a moment the key does not match the certificate.
        let second = try await renewByRename(files, in: directory)
        guard case .failed(.keyMismatch) = store.reloadIfChanged() else {
            Issue.record("a half-renewed pair must not load")
            return
        }
        #expect(store.fingerprint == first.fingerprint)
        try renameFile(second.certificatePath, to: files.certificatePath)
        let secondFingerprint = try await OpenSSL.fingerprint(
            ofPEM: String(contentsOfFile: files.certificatePath, encoding: .utf8))
        #expect(store.reloadIfChanged() == .reloaded(fingerprint: secondFingerprint))
        #expect(store.reloadIfChanged() == .unchanged)
        #expect(store.fingerprint == secondFingerprint)

        let fresh = try await TLSClientSession(port: port, alpn: "http/1.1")
        #expect(try await OpenSSL.fingerprint(ofPEM: #require(fresh.serverCertificatePEM)) == secondFingerprint)
        await fresh.close()

        try open.send(request)
        try await open.waitFor("ok http/1.1", occurrences: 2)
        #expect(open.output.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 2)
        await open.close()

        try await badFileKeepsCertificate(store, files: files, port: port, fingerprint: secondFingerprint)
    }

    /// Writes a new pair made by `openssl req -x509` and renames the key over the old one; returns where
    /// the new certificate waits to be renamed in.
    private func renewByRename(_ files: IdentityFiles, in directory: TemporaryDirectory) async throws -> IdentityFiles {
        let next = IdentityFiles(certificatePath: directory.path("next.pem"), keyPath: directory.path("next.key"))
        try await OpenSSL.selfSigned(certificate: next.certificatePath, key: next.keyPath, kind: .rsa2048)
        try renameFile(next.keyPath, to: files.keyPath)
        return next
    }

    /// A certificate file overwritten in place with garbage: reported once, the old certificate stays.
    private func badFileKeepsCertificate(
        _ store: CertificateStore,
        files: IdentityFiles,
        port: Int,
        fingerprint: String
    ) async throws {
        try "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
            .write(toFile: files.certificatePath, atomically: false, encoding: .utf8)
        guard case .failed(let error) = store.reloadIfChanged() else {
            Issue.record("a bad certificate file must be reported")
            return
        }
        #expect(
            error.description == "bad certificate in \(files.certificatePath): a PEM certificate that does not parse")
        #expect(store.reloadIfChanged() == .unchanged)
        #expect(throws: TLSIdentityError.self) { try store.reload() }
        #expect(store.fingerprint == fingerprint)

        let after = try await TLSClientSession(port: port, alpn: "http/1.1")
        #expect(try await OpenSSL.fingerprint(ofPEM: #require(after.serverCertificatePEM)) == fingerprint)
        try after.send(request)
        try await after.waitFor("ok http/1.1", occurrences: 1)
        await after.close()
    }

    /// `rename(2)`: replaces the target in one step, as certbot and editors do.
    private func renameFile(_ source: String, to target: String) throws {
        guard rename(source, target) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    @Test("a store made in memory has nothing to re-read and keeps its certificate")
    func inMemory() throws {
        let certificate = try SelfSigned()
        let store = try CertificateStore(identity: certificate.identity)
        #expect(store.files == nil)
        #expect(store.reloadIfChanged() == .unchanged)
        #expect(try store.reload().fingerprint == certificate.fingerprint)
        #expect(store.fingerprint == certificate.fingerprint)
    }
}
