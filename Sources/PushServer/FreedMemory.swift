#if canImport(Glibc)
    import Glibc
#endif

/// Gives memory the process has freed back to the system. glibc keeps freed
/// memory in its arenas for reuse, and does not hand back what sits below memory
/// still in use, so after thousands of histories expire the process would stay
/// at its peak; `malloc_trim(0)` releases the free pages of every arena. It is
/// looked up at run time: `malloc.h` is not part of Swift's Glibc module, and
/// another C library may not have it (then this does nothing).
enum FreedMemory {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: Trim.self)
        #else
            return nil
        #endif
    }()

    /// Releases the free pages of every arena (a few milliseconds for 100 MB of heap).
    static func giveBack() {
        _ = trim?(0)
    }
}
