import Logging
import NIOCore

/// Publishes that did not make it, counted and logged: none is lost silently. A
/// publish refused while Redis is unavailable returns `nil, "redis unavailable"` to
/// the script; one that Redis accepted but did not confirm (the link dropped with it
/// in flight) may or may not have been kept. Logged at most once per `interval` with
/// what happened since, so an outage does not flood the log.
struct PublishFailures {
    /// Publishes refused at once: Redis was unavailable.
    private(set) var refused = 0
    /// Publishes sent whose reply never came or was an error: their fate is unknown.
    private(set) var unconfirmed = 0
    private var refusedSinceLog = 0
    private var unconfirmedSinceLog = 0
    private var lastLog: NIODeadline?
    let interval: TimeAmount

    init(interval: TimeAmount = .seconds(10)) { self.interval = interval }

    mutating func noteRefused(topic: String?, now: NIODeadline, logger: Logger) {
        refused += 1
        refusedSinceLog += 1
        logIfDue(topic: topic, reason: "redis unavailable", now: now, logger: logger)
    }

    mutating func noteUnconfirmed(topic: String?, error: any Error, now: NIODeadline, logger: Logger) {
        unconfirmed += 1
        unconfirmedSinceLog += 1
        logIfDue(topic: topic, reason: "\(error)", now: now, logger: logger)
    }

    /// Logs what is left to tell (when Redis is back).
    mutating func flush(logger: Logger) {
        guard refusedSinceLog + unconfirmedSinceLog > 0 else { return }
        log(topic: nil, reason: "redis was unavailable", logger: logger)
    }

    private mutating func logIfDue(topic: String?, reason: String, now: NIODeadline, logger: Logger) {
        if let lastLog, now - lastLog < interval { return }
        lastLog = now
        log(topic: topic, reason: reason, logger: logger)
    }

    private mutating func log(topic: String?, reason: String, logger: Logger) {
        var parts: [String] = []
        if refusedSinceLog > 0 {
            parts.append("\(refusedSinceLog) refused (the script got nil, \"redis unavailable\")")
        }
        if unconfirmedSinceLog > 0 { parts.append("\(unconfirmedSinceLog) sent but not confirmed, so maybe lost") }
        logger.error(
            "publishes failed: \(parts.joined(separator: ", ")); in all \(refused) refused, \(unconfirmed) unconfirmed",
            metadata: ["topic": "\(topic ?? "(broadcast)")", "reason": "\(reason)"])
        refusedSinceLog = 0
        unconfirmedSinceLog = 0
    }
}
