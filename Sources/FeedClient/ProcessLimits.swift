// The process's open-file limit, raised for a load test, and its CPU time, reported with it.

#if canImport(Glibc)
    internal import Glibc
#endif

/// `RLIMIT_NOFILE`: one descriptor per TCP connection, plus a few.
enum FileDescriptorLimit {
    /// Raises the soft limit as far as the hard one allows; throws if `connections` still do not fit.
    static func raise(toFit connections: Int) throws(FeedError) {
        let needed = rlim_t(connections + 64)
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < needed {
            limit.rlim_cur = min(limit.rlim_max, max(needed, limit.rlim_cur))
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        guard limit.rlim_cur >= needed else {
            throw .cannotRun(
                "\(connections) connections need \(needed) open files, and this process may open at most \(limit.rlim_cur) (ulimit -n); use fewer connections, or --http2 with more streams per connection"
            )
        }
    }
}

/// The process's CPU time (user and system), as `getrusage` counts it.
enum ProcessTimes {
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
