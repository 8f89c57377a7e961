/// What the console page takes from the script's text, and JSON strings safe
/// inside its `<script>` element.
enum DemoPage {
    /// The names written as `event = "name"` (or with single quotes) in `source`.
    static func eventNames(in source: String) -> [String] {
        var names: [String] = []
        var rest = Substring(source)
        while let found = rest.firstRange(of: "event") {
            rest = rest[found.upperBound...]
            var cursor = rest.drop { $0 == " " || $0 == "\t" }
            guard cursor.first == "=", !cursor.dropFirst().hasPrefix("=") else { continue }
            cursor = cursor.dropFirst().drop { $0 == " " || $0 == "\t" }
            guard let quote = cursor.first, quote == "\"" || quote == "'" else { continue }
            let name = cursor.dropFirst().prefix { $0 != quote && $0 != "\n" }
            if !name.isEmpty, !names.contains(String(name)) { names.append(String(name)) }
        }
        return names
    }

    /// A JSON string, safe inside a `<script>` element.
    static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<", ">", "&", "\u{2028}", "\u{2029}": out += unicodeEscape(scalar.value)
            case _ where scalar.value < 0x20: out += unicodeEscape(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func json(_ list: [String]) -> String { "[" + list.map(json).joined(separator: ",") + "]" }
}

/// `\uXXXX`, as JSON writes a character it escapes.
private func unicodeEscape(_ value: UInt32) -> String {
    let hex = String(value, radix: 16)
    return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
