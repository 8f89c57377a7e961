public import NIOSSL
internal import SwiftASN1
public import X509

/// What a TLS server presents: a certificate chain (leaf first) and the leaf's private key,
/// checked to belong together, with the leaf's SHA-256 fingerprint.
public struct ServerIdentity: Sendable {
    /// ALPN offered by default: HTTP/2 first, then HTTP/1.1.
    public static let defaultApplicationProtocols = ["h2", "http/1.1"]

    /// The chain as swift-nio-ssl loads it, leaf first.
    public let certificateChain: [NIOSSLCertificate]
    /// The private key of the leaf certificate.
    public let privateKey: NIOSSLPrivateKey
    /// The leaf certificate, parsed (subject, validity, names).
    public let leaf: Certificate
    /// SHA-256 of the leaf's DER, `AA:BB:…`.
    public let fingerprint: String

    /// Loads and checks a chain and key from PEM text; the names are used in error messages only.
    public init(
        certificatePEM: [UInt8],
        privateKeyPEM: [UInt8],
        certificateName: String = "the certificate",
        keyName: String = "the private key"
    ) throws(TLSIdentityError) {
        let chain = try Self.loadChain(certificatePEM, name: certificateName)
        let leafDER: [UInt8]
        let leaf: Certificate
        do {
            leafDER = try chain[0].toDERBytes()
            leaf = try Certificate(derEncoded: leafDER)
        } catch {
            throw .badCertificate(path: certificateName, reason: String(firstLineOf: error))
        }
        let keyPublicKey = try Self.publicKey(ofPrivateKeyPEM: privateKeyPEM, name: keyName)
        guard keyPublicKey == leaf.publicKey else {
            throw .keyMismatch(certificatePath: certificateName, keyPath: keyName)
        }
        do {
            self.privateKey = try NIOSSLPrivateKey(bytes: privateKeyPEM, format: .pem)
        } catch {
            throw .badPrivateKey(path: keyName, reason: String(firstLineOf: error))
        }
        self.certificateChain = chain
        self.leaf = leaf
        self.fingerprint = CertificateFingerprint.sha256(der: leafDER)
    }

    /// Reads and checks the PEM files named by `files`.
    public init(files: IdentityFiles) throws(TLSIdentityError) {
        let certificate = try PEMFile.read(files.certificatePath)
        let key = try PEMFile.read(files.keyPath)
        try self.init(
            certificatePEM: certificate,
            privateKeyPEM: key,
            certificateName: files.certificatePath,
            keyName: files.keyPath
        )
    }

    /// A server TLS context presenting this identity, TLS 1.2 or later, offering `applicationProtocols` by ALPN.
    public func makeServerContext(
        applicationProtocols: [String] = ServerIdentity.defaultApplicationProtocols
    ) throws(TLSIdentityError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = applicationProtocols
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .contextRejected(reason: String(firstLineOf: error))
        }
    }

    private static func loadChain(_ pem: [UInt8], name: String) throws(TLSIdentityError) -> [NIOSSLCertificate] {
        let chain: [NIOSSLCertificate]
        let hasBlock = String(decoding: pem, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(pem)
        } catch {
            chain = []
        }
        guard !chain.isEmpty else {
            let reason = hasBlock ? "a PEM certificate that does not parse" : "no PEM certificate found"
            throw .badCertificate(path: name, reason: reason)
        }
        return chain
    }

    /// The public key of the first private key in `pem` (other blocks, such as `EC PARAMETERS`, are skipped).
    private static func publicKey(
        ofPrivateKeyPEM pem: [UInt8],
        name: String
    ) throws(TLSIdentityError) -> Certificate.PublicKey {
        let documents = (try? PEMDocument.parseMultiple(pemString: String(decoding: pem, as: UTF8.self))) ?? []
        guard let document = documents.first(where: { $0.discriminator.hasSuffix("PRIVATE KEY") }) else {
            throw .badPrivateKey(path: name, reason: "no PEM private key found")
        }
        if document.discriminator == "ENCRYPTED PRIVATE KEY" {
            throw .badPrivateKey(path: name, reason: "the key is encrypted; give it unencrypted")
        }
        do {
            return try Certificate.PrivateKey(pemDocument: document).publicKey
        } catch {
            throw .badPrivateKey(path: name, reason: String(firstLineOf: error))
        }
    }
}
