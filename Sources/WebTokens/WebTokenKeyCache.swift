internal import Synchronization

/// Prepared keys by the keys table they came from, so a script that passes the same table on every call
/// (`sse.jwt.verify(token, { es256 = PEM })`) pays jwt-kit's async preparation once and verifies
/// synchronously after that. Bounded: past `capacity` tables, an arbitrary one is dropped.
public final class WebTokenKeyCache: Sendable {
    public typealias Table = [KeyFamily: [UInt8]]

    public let capacity: Int
    private let prepared: Mutex<[Table: WebTokenKeys]>

    public init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
        self.prepared = Mutex([:])
    }

    /// The keys prepared from `table`, if they are already; synchronous.
    public func cached(_ table: Table) -> WebTokenKeys? {
        prepared.withLock { $0[table] }
    }

    /// The keys prepared from `table`, preparing and keeping them if needed. Bad keys are not kept.
    public func keys(for table: Table) async throws(WebTokenError) -> WebTokenKeys {
        if let keys = cached(table) { return keys }
        let keys = try await WebTokenKeys(table)
        prepared.withLock { entries in
            if entries.count >= capacity, let victim = entries.keys.first { entries[victim] = nil }
            entries[table] = keys
        }
        return keys
    }

    /// How many tables are prepared.
    public var count: Int { prepared.withLock { $0.count } }
}
