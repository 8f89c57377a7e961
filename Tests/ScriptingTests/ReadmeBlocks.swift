import Foundation

/// The fenced code blocks of a Markdown file, each with the `<!-- readme-test: … -->`
/// comment that may stand on the line before it (blank lines between allowed).
///
/// Markers: `serve PATH` (a whole script, also served and read at PATH),
/// `fragment` (Lua that does not run alone: signatures, excerpts), `transcript`
/// (`$ command` lines and their output), `synopsis` (the command line's usage),
/// `output` (what a program prints), `env NAME=VALUE` (a whole script that needs
/// these in its environment). A `lua` block without a marker is a whole script.
struct ReadmeBlock: CustomStringConvertible {
    let line: Int
    let language: String
    let marker: String?
    let text: String

    var description: String { "README.md:\(line) (\(language.isEmpty ? "plain" : language), \(marker ?? "no marker"))" }

    static func all(in markdown: String) -> [ReadmeBlock] {
        var blocks: [ReadmeBlock] = []
        var open: (line: Int, language: String, marker: String?, lines: [String])?
        var lastNonBlank = ""
        for (index, line) in markdown.components(separatedBy: "\n").enumerated() {
            if var current = open {
                if line.hasPrefix("```") {
                    blocks.append(
                        ReadmeBlock(
                            line: current.line, language: current.language, marker: current.marker,
                            text: current.lines.joined(separator: "\n")))
                    open = nil
                } else {
                    current.lines.append(line)
                    open = current
                }
                continue
            }
            if line.hasPrefix("```") {
                let marker = lastNonBlank.wholeMatch(of: /<!-- readme-test: (.+) -->/).map { String($0.1) }
                open = (index + 1, String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), marker, [])
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                lastNonBlank = line
            }
        }
        return blocks
    }

    /// The commands of a shell block or a transcript: one per logical line (`\`
    /// continuations joined), split on `|`, `&&` and `;`, comments and redirections
    /// dropped, each as its words (quotes removed).
    var commands: [[String]] {
        var logical: [String] = []
        var pending = ""
        for raw in text.components(separatedBy: "\n") {
            var line = raw
            if marker == "transcript" {
                guard line.hasPrefix("$ ") else { continue }
                line = String(line.dropFirst(2))
            }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            logical.append(pending + line)
            pending = ""
        }
        return logical.flatMap { Self.words($0) }.filter { !$0.isEmpty }
    }

    /// Shell words of one line, split into commands at `|`, `&&`, `;`; a `#` that
    /// starts a word ends the line; `>`, `2>` and what follows them are dropped.
    static func words(_ line: String) -> [[String]] {
        var commands: [[String]] = [[]]
        var word: String?
        var quote: Character?
        var redirect = false
        func finish() {
            if let done = word {
                if redirect {
                    redirect = false
                } else if ["|", "&&", ";", "&"].contains(done) {
                    commands.append([])
                } else if [">", "2>", ">>"].contains(done) {
                    redirect = true
                } else {
                    commands[commands.count - 1].append(done)
                }
            }
            word = nil
        }
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { word!.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                word = word ?? ""
            } else if character == " " || character == "\t" {
                finish()
            } else if character == "#" && word == nil {
                break
            } else {
                word = (word ?? "") + String(character)
            }
        }
        finish()
        return commands
    }
}
