public import NIOSSL
internal import Synchronization

/// The TLS context new connections use, replaceable while the server runs.
///
/// Each new connection takes ``current``; a connection keeps the context it started with, so a swap never
/// touches open connections. ``reload()`` and ``reloadIfChanged()`` read the files outside the lock and
/// swap only when the new certificate and key load and match; otherwise the old ones stay.
public final class CertificateStore: Sendable {
    /// Where the certificate comes from: files to re-read, or nothing (made in memory).
    public let files: IdentityFiles?
    /// The ALPN protocols every context of this store offers.
    public let applicationProtocols: [String]

    private struct Loaded {
        var identity: ServerIdentity
        var context: NIOSSLContext
        /// The signature of the last attempt, good or bad, so a poller retries a bad file only once it changes.
        var attemptedSignature: IdentityFiles.Signature?
    }

    private let state: Mutex<Loaded>

    /// Loads the certificate chain and key from PEM files; throws the first reason they do not load.
    public init(
        files: IdentityFiles,
        applicationProtocols: [String] = ServerIdentity.defaultApplicationProtocols
    ) throws(TLSIdentityError) {
        let signature = files.signature()
        let identity = try ServerIdentity(files: files)
        let context = try identity.makeServerContext(applicationProtocols: applicationProtocols)
        self.files = files
        self.applicationProtocols = applicationProtocols
        self.state = Mutex(
            Loaded(identity: identity, context: context, attemptedSignature: signature)
        )
    }

    /// Serves an identity made in memory (``SelfSigned``); reloading keeps it.
    public init(
        identity: ServerIdentity,
        applicationProtocols: [String] = ServerIdentity.defaultApplicationProtocols
    ) throws(TLSIdentityError) {
        let context = try identity.makeServerContext(applicationProtocols: applicationProtocols)
        self.files = nil
        self.applicationProtocols = applicationProtocols
        self.state = Mutex(Loaded(identity: identity, context: context, attemptedSignature: nil))
    }

    /// The context for a new connection.
    public var current: NIOSSLContext { state.withLock { $0.context } }
    /// The identity new connections are shown.
    public var identity: ServerIdentity { state.withLock { $0.identity } }
    /// SHA-256 fingerprint of the current leaf certificate, `AA:BB:…`.
    public var fingerprint: String { identity.fingerprint }

    /// Re-reads the files and swaps to them; if they do not load, keeps the current identity and throws why.
    /// A store made in memory has nothing to re-read and returns its identity.
    @discardableResult
    public func reload() throws(TLSIdentityError) -> ServerIdentity {
        guard let files else { return identity }
        return try load(files, signature: files.signature())
    }

    /// Reloads only if either file's stat signature (device, inode, size, mtime) differs from the last attempt;
    /// cheap enough to call every few hundred milliseconds. A file that failed to load is tried again only
    /// after it changes again, so a poller reports each bad file once.
    public func reloadIfChanged() -> ReloadOutcome {
        guard let files else { return .unchanged }
        let signature = files.signature()
        guard state.withLock({ $0.attemptedSignature }) != signature else { return .unchanged }
        do {
            return .reloaded(fingerprint: try load(files, signature: signature).fingerprint)
        } catch {
            return .failed(error)
        }
    }

    private func load(_ files: IdentityFiles, signature: IdentityFiles.Signature) throws(TLSIdentityError)
        -> ServerIdentity
    {
        let identity: ServerIdentity
        let context: NIOSSLContext
        do {
            identity = try ServerIdentity(files: files)
            context = try identity.makeServerContext(applicationProtocols: applicationProtocols)
        } catch {
            state.withLock { $0.attemptedSignature = signature }
            throw error
        }
        state.withLock {
            $0 = Loaded(identity: identity, context: context, attemptedSignature: signature)
        }
        return identity
    }
}

/// What one ``CertificateStore/reloadIfChanged()`` did.
public enum ReloadOutcome: Equatable, Sendable {
    /// Neither file changed since the last attempt.
    case unchanged
    /// New files loaded; new connections get the certificate with this fingerprint.
    case reloaded(fingerprint: String)
    /// The files changed but do not load; the previous certificate stays. Log the reason.
    case failed(TLSIdentityError)
}
