#if canImport(Glibc)
    import Glibc
#endif

/// The few file operations the host needs, without Foundation.
enum FileSystem {
    /// The file's bytes decoded as UTF-8, or nil if it cannot be read.
    static func contents(of path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
