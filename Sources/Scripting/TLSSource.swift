public import TLSIdentity

/// Where the server's TLS certificate comes from (`--tls-cert`/`--tls-key`, or
/// `--tls-self-signed`); none serves in clear.
public enum TLSSource: Sendable, Equatable {
    /// A PEM certificate chain and key, re-read when they change and on `SIGHUP`.
    case files(certificate: String, key: String)
    /// A certificate for localhost, 127.0.0.1 and ::1 made in memory at start, for development.
    case selfSigned

    /// The store new connections take their context from.
    func makeStore() throws(TLSIdentityError) -> CertificateStore {
        switch self {
        case .files(let certificate, let key):
            try CertificateStore(files: IdentityFiles(certificatePath: certificate, keyPath: key))
        case .selfSigned:
            try CertificateStore(identity: SelfSigned().identity)
        }
    }
}
