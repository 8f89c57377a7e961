import ArgumentParser
import NIOHTTP1

/// The `-H 'Name: value'` options of `record` and `bench`.
enum HeaderOptions {
    /// The options as headers; a header without a name and a colon is a usage error.
    static func fields(_ options: [String]) throws -> HTTPHeaders {
        var fields = HTTPHeaders()
        for header in options {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                throw ValidationError("-H takes a header as 'Name: value', not \"\(header)\".")
            }
            let name = trimmed(header[..<colon])
            let value = trimmed(header[header.index(after: colon)...])
            fields.add(name: name, value: value)
        }
        return fields
    }

    /// The text without spaces and tabs at either end.
    private static func trimmed(_ text: Substring) -> String {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
