/// Why a certificate and key could not be loaded: one line, naming the file.
public enum TLSIdentityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file could not be read (`reason` is the system's, e.g. "No such file or directory").
    case unreadableFile(path: String, reason: String)
    /// The certificate file holds no PEM certificate, or one that does not parse.
    case badCertificate(path: String, reason: String)
    /// The key file holds no PEM private key, or one that does not parse.
    case badPrivateKey(path: String, reason: String)
    /// The private key is not the one the (leaf) certificate was issued for.
    case keyMismatch(certificatePath: String, keyPath: String)
    /// swift-nio-ssl refused the certificate and key when making the TLS context.
    case contextRejected(reason: String)
    /// A certificate could not be made in memory.
    case selfSignedFailed(reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .badCertificate(let path, let reason):
            return "bad certificate in \(path): \(reason)"
        case .badPrivateKey(let path, let reason):
            return "bad private key in \(path): \(reason)"
        case .keyMismatch(let certificatePath, let keyPath):
            return "the private key in \(keyPath) does not match the certificate in \(certificatePath)"
        case .contextRejected(let reason):
            return "TLS refused the certificate and key: \(reason)"
        case .selfSignedFailed(let reason):
            return "cannot make a self-signed certificate: \(reason)"
        }
    }
}

extension String {
    /// The first line of an error's text, so that every message stays on one line.
    init(firstLineOf error: any Error) {
        let text = String(describing: error)
        self = String(text.prefix { $0 != "\n" && $0 != "\r" })
    }
}
