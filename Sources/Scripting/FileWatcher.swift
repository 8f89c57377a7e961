import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Notices when files change, by looking at them (`stat`: modification time, size,
/// inode) every `interval` on the script loop.
///
/// Polling catches both ways editors save — writing in place, and writing a new file
/// then renaming it over the old one — works where inotify does not (bind mounts,
/// network file systems), and costs a few `stat` calls a tick. A change is reported
/// once the file has stayed the same for one more tick (debounced), and a file that
/// is missing (mid-save) is waited for, never reported.
final class FileWatcher {
    /// What identifies a version of a file.
    struct Signature: Equatable {
        var seconds: Int
        var nanoseconds: Int
        var size: Int
        var inode: UInt

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            seconds = info.st_mtim.tv_sec
            nanoseconds = info.st_mtim.tv_nsec
            size = Int(info.st_size)
            inode = UInt(info.st_ino)
        }
    }

    private let loop: EventLoop
    private let interval: TimeAmount
    /// The files to watch, asked each tick (the set changes when a script `require`s more).
    private let files: () -> [String]
    /// Called on the loop with the files that changed.
    private let changed: ([String]) -> Void
    /// The version of each file last reported (or first seen).
    private var known: [String: Signature?] = [:]
    /// A new version seen once; reported if it is still there next tick.
    private var settling: [String: Signature?] = [:]
    private var task: Scheduled<Void>?

    init(
        loop: EventLoop, interval: TimeAmount = .milliseconds(100), files: @escaping () -> [String],
        changed: @escaping ([String]) -> Void
    ) {
        self.loop = loop
        self.interval = interval
        self.files = files
        self.changed = changed
    }

    func start() {
        loop.preconditionInEventLoop()
        for path in files() { known[path] = Signature(path: path) }
        schedule()
    }

    private func schedule() {
        task = loop.assumeIsolated().scheduleTask(in: interval) { [self] in
            poll()
            if task != nil { schedule() }
        }
    }

    func stop() {
        task?.cancel()
        task = nil
    }

    private func poll() {
        var changedFiles: [String] = []
        let watched = files()
        for path in watched {
            let current = Signature(path: path)
            guard let last = known[path] else {
                known[path] = current  // newly watched: this is its first version
                continue
            }
            if current == last {
                settling[path] = nil
            } else if current != nil, let seen = settling[path], seen == current {
                known[path] = current
                settling[path] = nil
                changedFiles.append(path)
            } else {
                settling[path] = current
            }
        }
        for path in known.keys where !watched.contains(path) {
            known[path] = nil
            settling[path] = nil
        }
        if !changedFiles.isEmpty { changed(changedFiles) }
    }
}

@available(*, unavailable)
extension FileWatcher: Sendable {}
