/// The id of an entry in a Redis Stream, `<milliseconds>-<sequence>`: Redis gives
/// every entry of a stream a larger one than the last, so comparing two ids says
/// which event came first. A topic's event ids in a cluster are these (with
/// `ids = "auto"`), the same on every instance.
struct StreamEntryID: Hashable, Comparable, Sendable, CustomStringConvertible {
    let milliseconds: UInt64
    let sequence: UInt64

    init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `1764080542123-0`; nil for anything else.
    init?<Text: StringProtocol>(_ text: Text) {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let milliseconds = UInt64(parts[0]), let sequence = UInt64(parts[1]) else {
            return nil
        }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    var description: String { "\(milliseconds)-\(sequence)" }

    static func < (a: StreamEntryID, b: StreamEntryID) -> Bool {
        (a.milliseconds, a.sequence) < (b.milliseconds, b.sequence)
    }
}
