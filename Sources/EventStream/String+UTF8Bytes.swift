extension String {
    /// Calls `body` with the string's UTF-8 bytes in contiguous memory, without copying them
    /// when the string is already stored that way (native Swift strings are).
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) {
            return result
        }
        var copy = self
        return copy.withUTF8(body)
    }
}
