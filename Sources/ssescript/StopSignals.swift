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
        let count = Counter()
        let queue = DispatchQueue(label: "stop-signals")
        self.arrivals = arrivals
        sources = Mutex(
            signals.map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    if count.value.add(1, ordering: .relaxed).newValue > 1 { _exit(128 + number) }
                    continuation.yield(number)
                }
                source.resume()
                return source
            })
    }

    /// Returns when the first signal arrives, with its number.
    @discardableResult
    func first() async -> Int32 {
        for await number in arrivals { return number }
        return SIGTERM
    }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}
