import Foundation
import Testing

extension Live {
    /// `examples/logtail.lua` served by the binary as a user runs it (the directory in
    /// `LOGTAIL_DIR`), while the test appends to the file; read by AsyncHTTPClient
    /// with swift-openapi-runtime's decoder.
    @Suite(.serialized, .timeLimit(.minutes(1))) struct LogtailTests {
        static let script = Repository.path("examples/logtail.lua")

        /// A directory with `app.log` (one old line), a subdirectory, a hidden file, and
        /// a secret file beside the directory.
        static func logDirectory() throws -> String {
            let parent = try TemporaryScript.directory()
            let dir = parent + "/logs"
            try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
            try "old line\n".write(toFile: dir + "/app.log", atomically: false, encoding: .utf8)
            try "hidden\n".write(toFile: dir + "/.hidden", atomically: false, encoding: .utf8)
            try "secret\n".write(toFile: parent + "/secret.txt", atomically: false, encoding: .utf8)
            return dir
        }

        static func append(_ text: String, to path: String) throws {
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? file.close() }
            try file.seekToEnd()
            try file.write(contentsOf: Data(text.utf8))
        }

        @Test func linesAppendedWhileAClientReadsAreEventsAndAResumeRereadsTheFile() async throws {
            let dir = try Self.logDirectory()
            let log = dir + "/app.log"
            let served = try RunningBinary.serve(file: Self.script, environment: ["LOGTAIL_DIR": dir])
            defer { served.binary.terminate() }
            let url = served.base + "/log?file=app.log"
            // The response head comes once the client follows the file: what is appended
            // from then on is its.
            let follower = EventCollector(url)
            try await waitUntil { follower.isOpen }
            try Self.append("one\n", to: log)
            try Self.append("two\r\nthr", to: log)  // a CRLF line, then half a line
            try await waitUntil { follower.events.count >= 2 }
            #expect(follower.data == ["one", "two"], "the old line is not sent; CR is dropped")
            #expect(follower.events.map(\.id) == ["13", "18"], "ids are byte offsets after each line")
            try Self.append("ee\n", to: log)
            try await waitUntil { follower.events.count >= 3 }
            #expect(follower.data.last == "three" && follower.events.last?.id == "24", "the half line once whole")

            // Back from "one": the lines after it, read from the file, then live ones.
            let resumed = EventCollector(url, headers: [("Last-Event-ID", "13")])
            try await waitUntil { resumed.events.count >= 2 }
            try Self.append("four\n", to: log)
            try await waitUntil { resumed.events.count >= 3 }
            #expect(resumed.data == ["two", "three", "four"])
            #expect(resumed.events.map(\.id) == ["18", "24", "29"])
            try await waitUntil { follower.events.count >= 4 }  // another connection: it may come a moment later
            #expect(follower.data.last == "four", "and the first client got it live")

            // Truncated (as logrotate's copytruncate does): from its start again.
            try "fresh\n".write(toFile: log, atomically: false, encoding: .utf8)
            try await waitUntil { resumed.events.count >= 4 }
            #expect(resumed.data.last == "fresh" && resumed.events.last?.id == "6")
        }

        @Test func onlyPlainNamesOfFilesInTheDirectoryAreServed() async throws {
            let dir = try Self.logDirectory()
            let served = try RunningBinary.serve(file: Self.script, environment: ["LOGTAIL_DIR": dir])
            defer { served.binary.terminate() }
            let refused = [
                "../secret.txt", "%2E%2E%2Fsecret.txt", "/etc/passwd", "sub/../app.log", ".hidden", "..", "",
                "app.log%00", String(repeating: "a", count: 300),
            ]
            for name in refused {
                let response = try await SSEClient.fetch(served.base + "/log?file=" + name)
                #expect(response.status == 400, "\(name): \(response.status) \(response.body)")
                #expect(response.body == "?file= must be a plain file name in \(dir)\n")
            }
            let none = try await SSEClient.fetch(served.base + "/log")
            #expect(none.status == 400, "no name at all")
            for name in ["sub", "missing.log"] {
                let response = try await SSEClient.fetch(served.base + "/log?file=" + name)
                #expect(response.status == 404, "\(name)")
                #expect(response.body == "no file to follow at \(dir)/\(name)\n")
            }
        }

        @Test func withLogtailFileTheQueryIsIgnored() async throws {
            let dir = try Self.logDirectory()
            let served = try RunningBinary.serve(file: Self.script, environment: ["LOGTAIL_FILE": dir + "/app.log"])
            defer { served.binary.terminate() }
            #expect(served.url == served.base + "/log")
            let follower = EventCollector(served.base + "/log?file=../secret.txt")
            try await waitUntil { follower.isOpen }
            try Self.append("appended\n", to: dir + "/app.log")
            try await waitUntil { follower.events.count >= 1 }
            #expect(follower.data == ["appended"])
        }
    }
}
