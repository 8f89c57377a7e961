import Foundation

/// What `scripts/clock.lua` sends, as the README shows it: `os.date()` in the C
/// locale (`Wed Nov 25 15:22:22 2026`), in this machine's time zone.
enum ClockScript {
    /// The date `os.date()` wrote, if `text` is exactly one.
    static func date(_ text: String) -> Date? {
        guard
            text.wholeMatch(of: /[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}/)
                != nil
        else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "EEE MMM d HH:mm:ss yyyy"
        return formatter.date(from: text.replacing("  ", with: " "))
    }

    /// Whether `text` is an `os.date()` within a minute of now.
    static func isNow(_ text: String?) -> Bool {
        guard let text, let date = date(text) else { return false }
        return abs(date.timeIntervalSinceNow) < 60
    }
}
