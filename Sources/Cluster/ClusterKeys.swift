/// The names a cluster uses in Redis. Every key of a topic carries the topic as a
/// hash tag (`{/chat}`), so they stay in one slot if Redis Cluster support follows.
///
/// | name | what |
/// |---|---|
/// | `ssescript:{TOPIC}:events` | the topic's stream: its last events with an id (`XADD … MAXLEN ~ history`) |
/// | `ssescript:{TOPIC}:notices` | the topic's pub/sub channel: each event as it is published |
/// | `ssescript:broadcast` | the channel of `sse.broadcast`, which every instance subscribes to |
/// | `ssescript:{timers}:lease` | who runs the script's timers: `TOKEN NODE`, expiring unless renewed |
/// | `ssescript:node:TOKEN` | a channel each instance subscribes to for itself (to know its notices are in) |
enum ClusterKeys {
    static let prefix = "ssescript:"

    static func stream(of topic: String) -> String { "\(prefix){\(topic)}:events" }
    static func channel(of topic: String) -> String { "\(prefix){\(topic)}:notices" }
    static let broadcastChannel = "\(prefix)broadcast"
    static let timerLease = "\(prefix){timers}:lease"
    static func nodeChannel(token: String) -> String { "\(prefix)node:\(token)" }

    /// The topic whose channel is `channel`, if it is one.
    static func topic(ofChannel channel: String) -> String? {
        let head = "\(prefix){"
        let tail = "}:notices"
        let bytes = channel.utf8
        guard bytes.count >= head.utf8.count + tail.utf8.count, bytes.starts(with: head.utf8),
            bytes.reversed().starts(with: tail.utf8.reversed())
        else { return nil }
        return String(decoding: bytes.dropFirst(head.utf8.count).dropLast(tail.utf8.count), as: UTF8.self)
    }
}
