// The escapes of a recording's field values, both ways (see RECORDING.md, "Escapes").

/// Writes and reads the backslash escapes that keep every value on one line of a recording and
/// every character visible in a diff.
///
/// Escaped: `\` as `\\`, CR as `\r`, LF as `\n`, TAB as `\t`; other C0 controls, DEL, NEL, the
/// line and paragraph separators (U+2028, U+2029) and the byte order mark (U+FEFF) as `\u{HEX}`;
/// and a space at the end of a value as `\u{20}`, so that an editor trimming trailing blanks
/// changes nothing.
enum RecordEscaping {
    static func escaped(_ value: Substring.UnicodeScalarView) -> String {
        var text = ""
        text.unicodeScalars.reserveCapacity(value.count)
        var index = value.startIndex
        while index != value.endIndex {
            let scalar = value[index]
            value.formIndex(after: &index)
            switch scalar {
            case "\\": text += "\\\\"
            case "\r": text += "\\r"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case " " where index == value.endIndex: text += "\\u{20}"
            default:
                if needsHexEscape(scalar) {
                    text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text
    }

    private static func needsHexEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F, 0x85, 0x2028, 0x2029, 0xFEFF: true
        default: false
        }
    }

    /// Why an escaped value cannot be read.
    enum Failure: Error, Equatable {
        /// A backslash followed by something that is not one of the escapes.
        case unknownEscape(String)
        /// `\u{…}` that is not 1 to 6 hex digits naming a Unicode scalar value.
        case badScalar(String)
    }

    /// Reverses `escaped(_:)`. Characters that need no escape are accepted as they are,
    /// escaped or not, so a hand-edited file may write `\u{41}` for `A`.
    static func unescaped(_ text: Substring) throws(Failure) -> String {
        guard text.contains("\\") else {
            return String(text)
        }
        var value = ""
        var scalars = text.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\\" else {
                value.unicodeScalars.append(scalar)
                continue
            }
            switch scalars.popFirst() {
            case "\\": value += "\\"
            case "r": value += "\r"
            case "n": value += "\n"
            case "t": value += "\t"
            case "u": value.unicodeScalars.append(try hexScalar(&scalars))
            case let other: throw .unknownEscape("\\" + (other.map { String($0) } ?? ""))
            }
        }
        return value
    }

    /// Reads `{HEX}` after `\u`.
    private static func hexScalar(_ scalars: inout Substring.UnicodeScalarView) throws(Failure) -> Unicode.Scalar {
        guard scalars.first == "{", let close = scalars.firstIndex(of: "}") else {
            throw .badScalar("\\u" + String(String.UnicodeScalarView(scalars.prefix(8))))
        }
        let digits = String(String.UnicodeScalarView(scalars[scalars.index(after: scalars.startIndex)..<close]))
        scalars = scalars[scalars.index(after: close)...]
        guard (1...6).contains(digits.count), digits.allSatisfy(\.isHexDigit), let number = UInt32(digits, radix: 16),
            let scalar = Unicode.Scalar(number)
        else {
            throw .badScalar("\\u{\(digits)}")
        }
        return scalar
    }
}
