import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// `SIGHUP` asks for a reload, as it does of nginx and most daemons.
final class ReloadSignal {
    private let source: DispatchSourceSignal

    /// Calls `reload` on every `SIGHUP` until cancelled.
    init(_ reload: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "sighup"))
        source.setEventHandler(handler: reload)
        source.resume()
    }

    func cancel() { source.cancel() }
}
