// What a poller compares to tell that a certificate or key file changed: certbot renews in place
// (same inode, new size and mtime) or by rename and symlink swap (new inode).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `stat` of one file (symlinks followed): device, inode, size and modification time.
/// `nil` parts mean the file could not be stat'ed, which also counts as a change once it can.
public struct FileSignature: Equatable, Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let modifiedSeconds: Int64
    public let modifiedNanoseconds: Int64

    /// The signature of the file at `path` now, or `nil` if it cannot be stat'ed.
    public static func of(_ path: String) -> FileSignature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let modified = info.st_mtimespec
        #else
            let modified = info.st_mtim
        #endif
        return FileSignature(
            device: UInt64(info.st_dev),
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            modifiedSeconds: Int64(modified.tv_sec),
            modifiedNanoseconds: Int64(modified.tv_nsec)
        )
    }
}

/// The certificate and key files a store loads from.
public struct IdentityFiles: Equatable, Hashable, Sendable {
    /// The PEM certificate file: the leaf first, then any intermediates (certbot's `fullchain.pem`).
    public let certificatePath: String
    /// The PEM private key file (RSA or EC; PKCS#8, PKCS#1 or SEC1).
    public let keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// Both files' signatures now; compared whole, so a change to either counts.
    public struct Signature: Equatable, Hashable, Sendable {
        public let certificate: FileSignature?
        public let key: FileSignature?
    }

    /// The files' signatures now.
    public func signature() -> Signature {
        Signature(certificate: .of(certificatePath), key: .of(keyPath))
    }
}
