/// Why a `ServerSentEvent` cannot be written: a field whose value would break the stream's framing.
public enum EventEncodingError: Error, Equatable, CustomStringConvertible {
    /// A single-line field holds a character that would end its line or that clients reject.
    ///
    /// `field` is the field's name on the wire (`"event"` or `"id"`); `character` is `"CR"`, `"LF"` or `"NUL"`.
    case invalidCharacter(field: String, character: String)
    /// `retry` is a negative number of milliseconds.
    case negativeRetry(Int)

    public var description: String {
        switch self {
        case .invalidCharacter(let field, let character):
            "\(Self.phrase(forField: field)) must not contain \(Self.phrase(forCharacter: character))"
        case .negativeRetry(let retry):
            "retry must be a number of milliseconds of 0 or more, not \(retry)"
        }
    }

    private static func phrase(forField field: String) -> String {
        switch field {
        case "event": "event name"
        case "id": "event id"
        default: "field \(field)"
        }
    }

    private static func phrase(forCharacter character: String) -> String {
        switch character {
        case "CR": "a carriage return (CR)"
        case "LF": "a line feed (LF)"
        case "NUL": "a NUL character (U+0000)"
        default: character
        }
    }
}
