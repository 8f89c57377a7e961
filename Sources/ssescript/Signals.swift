import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `SIGINT` and `SIGTERM` as a request to stop: the first asks for a graceful
/// stop (`first()` returns), the next one ends the process at once with status
/// 128 + its number (130 for `SIGINT`, 143 for `SIGTERM`).
///
/// The signals are caught from `init` on and the sources stay installed for the
/// life of the process: none is lost, and none falls back to its default action.
final class StopSignals: Sendable {
    private let arrivals: AsyncStream<Int32>
    /// Kept so the sources live as long as this.
    private let sources: Mutex<[any DispatchSourceSignal]>

    init(_ signals: [Int32]) {
        let (arrivals, continuation) = AsyncStream<Int32>.makeStream()
        let count = Atomic<Int>(0)
        self.arrivals = arrivals
        sources = Mutex(
            signals.map { number in
                catchSignal(number) {
                    if count.add(1, ordering: .relaxed).newValue > 1 { _exit(128 + number) }
                    continuation.yield(number)
                }
            })
    }

    /// Returns when the first signal arrives, with its number.
    @discardableResult
    func first() async -> Int32 {
        for await number in arrivals { return number }
        return SIGTERM
    }
}

/// `SIGHUP` asks for a reload, as it does of nginx and most daemons. Caught from
/// `init` on: its default action would end the process.
final class ReloadSignal: Sendable {
    private let source: Mutex<any DispatchSourceSignal>

    init(_ reload: @escaping @Sendable () -> Void) {
        source = Mutex(catchSignal(SIGHUP, reload))
    }
}

/// Stops `number`'s default action and calls `handler` (on a queue of its own)
/// each time the signal arrives.
private func catchSignal(_ number: Int32, _ handler: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue(label: "signal \(number)"))
    source.setEventHandler(handler: handler)
    source.resume()
    return source
}
