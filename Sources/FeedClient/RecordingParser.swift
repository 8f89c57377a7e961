// Reads a recording's text back into a `Recording` (the format is in RECORDING.md).

/// Why a text is not a recording: the line (counted from 1) and what is wrong with it.
public struct RecordingFormatError: Error, Hashable, CustomStringConvertible {
    /// The file's path, when the recording was read from a file.
    public var file: String?
    public var line: Int
    public var reason: String

    public init(file: String? = nil, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `file:line: reason`, or `line N: reason` for a text that is not from a file.
    public var description: String {
        file.map { "\($0):\(line): \(reason)" } ?? "line \(line): \(reason)"
    }
}

extension Recording {
    /// Reads a recording from its text. Lines may end in LF or CRLF (a file converted by an editor).
    public init(parsing text: String) throws(RecordingFormatError) {
        guard !text.isEmpty else {
            throw RecordingFormatError(line: 1, reason: "empty file: not an ssescript recording")
        }
        var reader = RecordingParser()
        var number = 0
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(rawLine)
            if line.utf8.last == UInt8(ascii: "\r") {
                line = Substring(line.utf8.dropLast())
            }
            do {
                try reader.read(line, number: number)
            } catch {
                throw RecordingFormatError(line: number, reason: error.reason)
            }
        }
        do {
            try reader.finish()
        } catch {
            throw RecordingFormatError(line: number, reason: error.reason)
        }
        self = reader.recording
    }
}

/// A reason a line is wrong; the line number is added by the caller.
struct RecordingLineError: Error {
    var reason: String
}

/// The reader's state between lines: before the first record, between records, or inside one.
struct RecordingParser {
    private(set) var recording = Recording()
    private var sawSignature = false
    /// The record being read, if a time line started one.
    private var record: RecordBuilder?
    private var lastTime = Duration.zero

    mutating func read(_ line: Substring, number: Int) throws(RecordingLineError) {
        if line.utf8.contains(UInt8(ascii: "\r")) {
            throw RecordingLineError(reason: "a carriage return in the file; write it in a value as \\r")
        }
        guard sawSignature else {
            guard line == Recording.signature else {
                throw RecordingLineError(
                    reason: "not an ssescript recording: the first line must be \"\(Recording.signature)\"")
            }
            sawSignature = true
            return
        }
        if line.isEmpty {
            try finish()
        } else if line.first == "@" {
            guard record == nil else {
                throw RecordingLineError(reason: "a time line inside a record; end the record with a blank line first")
            }
            try startRecord(at: line.dropFirst())
        } else if line.first == "#" {
            guard record == nil else {
                throw RecordingLineError(reason: "a # line inside a record; end the record with a blank line first")
            }
            if let metadata = Self.metadata(line) { recording.metadata.append(metadata) }
        } else if record != nil {
            try record!.read(line)
        } else {
            throw RecordingLineError(
                reason: "a field line outside a record; a record starts with a time line such as @1.500000")
        }
    }

    /// Ends the record being read, if any.
    mutating func finish() throws(RecordingLineError) {
        guard sawSignature else {
            throw RecordingLineError(reason: "empty file: not an ssescript recording")
        }
        guard let record else {
            return
        }
        self.record = nil
        recording.events.append(try record.timedEvent())
    }

    private mutating func startRecord(at text: Substring) throws(RecordingLineError) {
        guard let time = Self.duration(text) else {
            throw RecordingLineError(
                reason: "a time line is @ and seconds since the stream opened, like @1.500000, not \"@\(text)\"")
        }
        guard time >= lastTime else {
            throw RecordingLineError(
                reason: "times must not go back: @\(text) comes after @\(RecordFormatter.seconds(lastTime))")
        }
        lastTime = time
        record = RecordBuilder(time: time)
    }

    /// `# name: value`, where the name is letters, digits, `-` and `_`; any other `#` line is a comment.
    private static func metadata(_ line: Substring) -> Metadata? {
        guard line.hasPrefix("# "), let colon = line.firstIndex(of: ":") else {
            return nil
        }
        let name = line[line.index(line.startIndex, offsetBy: 2)..<colon]
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            return nil
        }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return Metadata(name: String(name), value: String(value))
    }

    /// Decimal seconds with at most nine decimals: `12`, `0.5`, `3.000250`.
    static func duration(_ text: Substring) -> Duration? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), let seconds = Int64(whole)
        else {
            return nil
        }
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...9).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit) else {
                return nil
            }
            nanoseconds = Int64(fraction + String(repeating: "0", count: 9 - fraction.count))!
        }
        return .seconds(seconds) + .nanoseconds(nanoseconds)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
