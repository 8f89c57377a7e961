#if canImport(Glibc)
    import Glibc
#endif

/// How many connections the process's file descriptors leave room for.
///
/// Every connection holds a descriptor, and so do the event loops, the listening
/// socket, the script's files, the log and a Redis link. Past `RLIMIT_NOFILE`,
/// `accept` fails and new connections wait in the kernel's backlog with no
/// answer; so the server takes at most `connectionCapacity` connections and
/// answers the ones after them `503` while it still has descriptors to spare.
public enum DescriptorLimit {
    /// The soft `RLIMIT_NOFILE`: how many descriptors the process may open.
    public static var soft: Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit to the hard one (as Go's runtime does at start): the
    /// soft limit is often 1,024 for compatibility with `select`, which nothing
    /// here uses. Returns the soft limit in force.
    @discardableResult
    public static func raiseSoftLimit() -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < limit.rlim_max {
            // With no hard limit (RLIM_INFINITY), a million is plenty and stays a real number.
            limit.rlim_cur = limit.rlim_max == rlim_t.max ? max(limit.rlim_cur, 1 << 20) : limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return soft
    }

    /// Descriptors kept for what is not a connection beyond those open now: the
    /// script's files, logs, Redis, a certificate being re-read. A twentieth of the
    /// limit, at least 16 and at most 1,024.
    public static func reserve(forLimit limit: Int) -> Int {
        min(max(16, limit / 20), 1024)
    }

    /// Descriptors open now: the entries of /proc/self/fd, less the one reading it
    /// (0 where there is no /proc).
    public static var open: Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var entries = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { entries += 1 }
        }
        return max(0, entries - 1)
    }

    /// Connections the descriptors leave room for: the limit, less those open now,
    /// less the reserve; at least 1.
    public static var connectionCapacity: Int {
        let limit = soft
        guard limit < Int.max / 2 else { return Int.max / 2 }
        return max(1, limit - open - reserve(forLimit: limit))
    }
}
