internal import Crypto
public import NIOCore

/// A Lua script run on the Redis server, by its SHA1 (`EVALSHA`), with its source sent
/// (`EVAL`, which also caches it) only when Redis answers `NOSCRIPT`: after a restart,
/// a `SCRIPT FLUSH`, or on first use.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The SHA1 of `source`, lower-case hex, as `SCRIPT LOAD` would return it.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension RedisConnection {
    /// Runs `script` with `keys` (`KEYS[1]`, …) and `arguments` (`ARGV[1]`, …):
    /// `EVALSHA`, then `EVAL` if Redis does not know the script. Errors as ``send(_:)-([String])``.
    public func run(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) -> EventLoopFuture<RedisValue>
    {
        let tail = [String(keys.count)] + keys + arguments
        return send(["EVALSHA", script.sha1] + tail).flatMapError { error in
            guard let error = error as? RedisError, error.replyCode == "NOSCRIPT" else {
                return self.eventLoop.makeFailedFuture(error)
            }
            return self.send(["EVAL", script.source] + tail)
        }
    }

    /// Runs `script` with binary-safe keys and arguments.
    public func run(
        _ script: RedisScript, keys: [ByteBuffer], arguments: [ByteBuffer] = []
    ) -> EventLoopFuture<RedisValue> {
        let head = [ByteBuffer(string: String(keys.count))] + keys + arguments
        return send([ByteBuffer(string: "EVALSHA"), ByteBuffer(string: script.sha1)] + head).flatMapError { error in
            guard let error = error as? RedisError, error.replyCode == "NOSCRIPT" else {
                return self.eventLoop.makeFailedFuture(error)
            }
            return self.send([ByteBuffer(string: "EVAL"), ByteBuffer(string: script.source)] + head)
        }
    }
}
