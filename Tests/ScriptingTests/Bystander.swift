import Testing

/// A bystander: a stream `/tick` that gets 1, 2, 3, ... every 50 ms while a test
/// breaks something else, and the check that it kept getting them on time.
enum Bystander {
    /// Lua for `/tick`, published every 50 ms.
    static let script = """
        local tick_n = 0
        sse.stream("/tick")
        sse.every(0.05, function() tick_n = tick_n + 1; sse.publish("/tick", tostring(tick_n)) end)
        """

    /// The bystander got consecutive numbers (none lost), five more since the call
    /// (so it is still served), with no gap over `limit`. Unloaded, a gap is 50 ms,
    /// or the script timeout plus 50 ms around a runaway callback; the default of
    /// 1 s leaves room for a core taken by another program, and still fails a server
    /// that makes one client wait for another.
    static func expectOnTime(
        _ bystander: EventCollector, within limit: Duration = .seconds(1),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let count = bystander.data.count
        try await bystander.waitFor { $0.count >= count + 5 }
        let numbers = bystander.data.compactMap { Int($0) }
        #expect(numbers == Array(numbers.first!...numbers.last!), "no event lost", sourceLocation: sourceLocation)
        #expect(
            bystander.longestGap < limit, "longest gap \(bystander.longestGap)", sourceLocation: sourceLocation)
        #expect(!bystander.hasEnded, sourceLocation: sourceLocation)
    }
}
