import ArgumentParser
import Foundation
import Testing

@testable import ssescript

extension Live {
    /// Every code block of README.md is run, or checked for what it is: whole Lua
    /// scripts load (`ssescript check`, with the environment an `env` marker gives),
    /// those marked `serve PATH` are served and read,
    /// fragments name functions that exist, shell lines and transcripts name commands
    /// that exist with options that parse (ssescript's own parser), the synopsis names
    /// only real options, JavaScript parses in Chromium, Python compiles and nginx
    /// configurations pass `nginx -t` (ReadmeNginxTests.swift). A block
    /// that is none of these fails the first test: nothing is skipped unsaid.
    @Suite(.timeLimit(.minutes(2))) struct ReadmeTests {
        static let blocks = ReadmeBlock.all(
            in: (try? String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)) ?? "")

        static func blocks(_ language: String, _ markers: Set<String?>) -> [ReadmeBlock] {
            blocks.filter { $0.language == language && markers.contains($0.marker) }
        }

        static var servedMarker: (ReadmeBlock) -> String? {
            { block in block.marker?.wholeMatch(of: /serve (\/\S*)/).map { String($0.1) } }
        }

        @Test func everyBlockIsOfAKindATestRuns() {
            #expect(Self.blocks.count > 30, "the README was read")
            for block in Self.blocks {
                let known: Bool
                switch block.language {
                case "lua":
                    known =
                        block.marker == nil || block.marker == "fragment" || Self.servedMarker(block) != nil
                        || Self.environment(block) != nil
                case "sh", "js", "python", "nginx": known = block.marker == nil
                case "": known = ["transcript", "synopsis", "output"].contains(block.marker)
                default: known = false
                }
                #expect(known, "\(block): mark it (see ReadmeBlock) or give it a language a test runs")
            }
        }

        /// `env NAME=VALUE ...`: a whole script checked with these in its environment.
        static func environment(_ block: ReadmeBlock) -> [String]? {
            guard let marker = block.marker, marker.hasPrefix("env ") else { return nil }
            return marker.dropFirst(4).split(separator: " ").map(String.init)
        }

        @Test func wholeScriptsLoad() async throws {
            let scripts = Self.blocks.filter { $0.language == "lua" && $0.marker != "fragment" }
            #expect(scripts.count >= 6)
            for block in scripts {
                let file = try TemporaryScript.write(block.text, name: "readme-\(block.line).lua")
                let arguments = (Self.environment(block) ?? []) + [RunningBinary.path, "check", file]
                let checked = try await onOwnThread { try run("/usr/bin/env", arguments) }
                #expect(checked.status == 0 && checked.output.hasSuffix(": ok\n"), "\(block): \(checked.errors)")
            }
        }

        @Test func scriptsMarkedServeAnswerOnTheirPath() async throws {
            let served = Self.blocks.filter { Self.servedMarker($0) != nil }
            #expect(served.count >= 2)
            for block in served {
                let path = try #require(Self.servedMarker(block))
                try await withLiveServer(script: block.text) { live in
                    let first = try await withTimeout(10) {
                        var stream = try await SSEClient.open(live.url(path))
                        return (stream.status, try await stream.next())
                    }
                    #expect(first.0 == 200 && first.1 != nil, "\(block): an event at \(path)")
                }
            }
        }

        /// The `sse.` functions and timer methods (`t:cancel`) fragments name exist.
        @Test func fragmentsNameFunctionsThatExist() async throws {
            let fragments = Self.blocks("lua", ["fragment"])
            #expect(fragments.count >= 4)
            let text = fragments.map(\.text).joined(separator: "\n")
            let functions = Set(text.matches(of: /sse\.([a-z_]+)\(/).map { String($0.1) })
                .union(text.matches(of: /sse\.(get|post|put|patch|delete)\b/).map { String($0.1) })
            let timerMethods = Set(text.matches(of: /\bt:([a-z_]+)\(/).map { String($0.1) })
            #expect(functions.isSuperset(of: ["stream", "publish", "every", "sleep", "get", "delete"]))
            let list = { (names: Set<String>) in names.sorted().map { "\"\($0)\"" }.joined(separator: ", ") }
            let check = """
                local missing = {}
                for _, name in ipairs({ \(list(functions)) }) do
                  if type(sse[name]) ~= "function" then missing[#missing + 1] = "sse." .. name end
                end
                local t = sse.after(3600, function() end)
                for _, name in ipairs({ \(list(timerMethods)) }) do
                  if type(t[name]) ~= "function" then missing[#missing + 1] = "t:" .. name end
                end
                t:cancel()
                assert(#missing == 0, "the README names what does not exist: " .. table.concat(missing, ", "))
                """
            let file = try TemporaryScript.write(check)
            let checked = try await onOwnThread { try run(RunningBinary.path, ["check", file]) }
            #expect(checked.status == 0, "\(checked.errors)")
        }

        @Test func shellCommandsExistAndSsescriptsOptionsParse() async throws {
            let blocks = Self.blocks("sh", [nil]) + Self.blocks("", ["transcript"])
            #expect(blocks.count >= 8)
            let makefile = try String(contentsOfFile: Repository.path("Makefile"), encoding: .utf8)
            let curlHelp = try await onOwnThread { try run("/usr/bin/curl", ["--help", "all"]).output }
            for block in blocks {
                for words in block.commands {
                    let command = Array(words.drop { $0.wholeMatch(of: /[A-Z_]+=.*/) != nil })
                    guard let program = command.first else { continue }
                    let arguments = Array(command.dropFirst())
                    switch program {
                    case "ssescript", ".build/release/ssescript":
                        do {
                            _ = try SSEScript.parseAsRoot(arguments)
                        } catch {
                            Issue.record(
                                "\(block): ssescript \(arguments.joined(separator: " ")): \(SSEScript.message(for: error))"
                            )
                        }
                    case "make":
                        for target in arguments where !target.contains("=") {
                            #expect(makefile.contains("\n\(target):"), "\(block): make \(target)")
                        }
                    case "curl":
                        for option in Self.options(arguments) {
                            #expect(
                                curlHelp.contains(option + " ") || curlHelp.contains(option + ","),
                                "\(block): curl \(option)")
                        }
                    case let path where path.contains("/"):
                        #expect(
                            FileManager.default.isExecutableFile(atPath: Repository.path(path)), "\(block): \(path)")
                    default:
                        let found = try await onOwnThread {
                            try run("/bin/sh", ["-c", "command -v \(program)"]).status
                        }
                        #expect(found == 0, "\(block): \(program) is not a command here")
                    }
                }
            }
        }

        /// `-sN` as `-s` and `-N`; `--http2` as itself; values skipped.
        static func options(_ arguments: [String]) -> [String] {
            arguments.flatMap { argument -> [String] in
                if argument.hasPrefix("--") { return [String(argument.prefix { $0 != "=" })] }
                if argument.hasPrefix("-"), argument.count > 1 { return argument.dropFirst().map { "-\($0)" } }
                return []
            }
        }

        @Test func theSynopsisNamesOnlyRealOptions() throws {
            let synopsis = try #require(Self.blocks("", ["synopsis"]).first)
            let commands: [String: any ParsableCommand.Type] = [
                "serve": Serve.self, "check": Check.self, "record": Record.self, "bench": Bench.self,
            ]
            var current: String?
            var seen = Set<String>()
            for line in synopsis.text.components(separatedBy: "\n") {
                if let name = line.wholeMatch(of: /ssescript ([a-z]+) .*/)?.1 { current = String(name) }
                let command = try #require(current.flatMap { commands[$0] }, "\(line)")
                seen.insert(current!)
                let help = command.helpMessage(columns: 400)
                for option in line.matches(of: /(?:^|[\s\[|])(--?[a-z][a-z0-9-]*)/).map({ String($0.1) }) {
                    #expect(help.contains(option), "ssescript \(current!) has no option \(option)")
                }
            }
            #expect(seen == Set(commands.keys), "every command has its synopsis")
        }

        @Test(.enabled(if: HeadlessChromium.isInstalled, "needs Debian's chromium"))
        func javaScriptParses() async throws {
            let scripts = Self.blocks("js", [nil])
            #expect(!scripts.isEmpty)
            let browser = try HeadlessChromium()
            try browser.open("about:blank")
            for block in scripts {
                let source = String(decoding: try JSONSerialization.data(withJSONObject: [block.text]), as: UTF8.self)
                let parsed = try browser.evaluate(
                    "(() => { try { new Function(\(source)[0]); return 'ok' } catch (e) { return String(e) } })()")
                #expect(parsed as? String == "ok", "\(block): \(parsed ?? "nothing")")
            }
        }

        @Test func pythonCompiles() async throws {
            let scripts = Self.blocks("python", [nil])
            #expect(!scripts.isEmpty)
            for block in scripts {
                let result = try await onOwnThread {
                    try Python.run("import sys; compile(sys.argv[1], 'README', 'exec'); print('ok')", [block.text])
                }
                #expect(result.output == "ok\n", "\(block): \(result.errors)")
            }
        }
    }
}
