// The rules an event must follow before it can be written to a stream.

extension ServerSentEvent {
    /// Throws the first rule this event breaks, checking `event`, then `id`, then `retry`.
    ///
    /// `event` and `id` must not contain CR, LF or NUL: a line end would end the field early and
    /// let the value forge other fields, and clients ignore an id with a NUL. `retry` must not be
    /// negative. `data` and `comment` may hold anything, since they are split into lines.
    public func validate() throws(EventEncodingError) {
        if let event, let character = Self.forbiddenCharacter(in: event) {
            throw .invalidCharacter(field: "event", character: character)
        }
        if let id, let character = Self.forbiddenCharacter(in: id) {
            throw .invalidCharacter(field: "id", character: character)
        }
        if let retry, retry < 0 {
            throw .negativeRetry(retry)
        }
    }

    /// The name of the first CR, LF or NUL in `value`, if any.
    private static func forbiddenCharacter(in value: String) -> String? {
        let byte = value.withUTF8Bytes { bytes in
            bytes.first { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 }
        }
        switch byte {
        case UInt8(ascii: "\r"): return "CR"
        case UInt8(ascii: "\n"): return "LF"
        case 0: return "NUL"
        default: return nil
        }
    }
}
