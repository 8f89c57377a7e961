import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import Scripting

/// When a save is seen: polled every tick, reported once the file has stopped
/// changing (debounced), a file missing mid-save waited for. Virtual time.
@Suite struct FileWatcherTests {
    @Test func aChangeIsReportedOnceTheFileHasStoppedChanging() throws {
        let loop = EmbeddedEventLoop()
        let path = try TemporaryScript.write("v0")
        var reports: [[String]] = []
        let watcher = FileWatcher(
            loop: loop, interval: .milliseconds(100), files: { [path] }, changed: { reports.append($0) })
        watcher.start()
        defer { watcher.stop() }
        for version in 1...5 {  // saved again before every tick: still changing
            try String(repeating: "v", count: version).write(toFile: path, atomically: false, encoding: .utf8)
            loop.advanceTime(by: .milliseconds(100))
        }
        #expect(reports.isEmpty, "a file that changes at every tick is not reported")
        loop.advanceTime(by: .milliseconds(100))
        #expect(reports == [[path]], "reported once it stayed the same for a tick")
        loop.advanceTime(by: .seconds(1))
        #expect(reports.count == 1, "and only once")

        #expect(unlink(path) == 0)  // mid-save by rename: the old file is gone
        loop.advanceTime(by: .milliseconds(500))
        #expect(reports.count == 1, "a missing file is waited for, never reported")
        try "the new version".write(toFile: path + ".new", atomically: false, encoding: .utf8)
        #expect(rename(path + ".new", path) == 0)
        loop.advanceTime(by: .milliseconds(200))
        #expect(reports == [[path], [path]])
    }
}
