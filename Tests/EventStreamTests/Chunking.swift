// Feeding a parser the same stream in many different chunkings.

import EventStream
import NIOCore
import Testing

/// What a parser made of a whole stream.
struct ParseResult: Equatable, CustomStringConvertible {
    var items: [EventStreamParser.Item]
    var lastEventID: String
    var reconnectionTime: Int?

    var description: String {
        "\(items), lastEventID: \(lastEventID.debugDescription), reconnectionTime: \(String(describing: reconnectionTime))"
    }
}

/// Ways to cut a stream into chunks.
enum Chunking: CustomStringConvertible {
    /// Chunks of the given size, as arrays.
    case size(Int)
    /// Chunks of sizes from 0 up to the given maximum, picked by a seeded generator.
    case random(seed: UInt64, maximumSize: Int)
    /// Chunks of the given size, as `ByteBuffer`s.
    case byteBuffers(size: Int)
    /// Chunks of the given size, as sequences without contiguous storage.
    case noncontiguous(size: Int)

    var description: String {
        switch self {
        case .size(let size): "chunks of \(size)"
        case .random(let seed, let maximumSize): "random chunks up to \(maximumSize) (seed \(seed))"
        case .byteBuffers(let size): "ByteBuffers of \(size)"
        case .noncontiguous(let size): "noncontiguous chunks of \(size)"
        }
    }

    /// The chunkings every parser vector is run in besides the whole stream at once.
    static let all: [Chunking] =
        [.size(1), .size(2), .size(3), .byteBuffers(size: 2), .noncontiguous(size: 3)]
        + (1...5).map { .random(seed: $0, maximumSize: 8) }

    /// Parses `bytes` cut this way, then ends the stream.
    func parse(_ bytes: [UInt8]) -> ParseResult {
        var parser = EventStreamParser()
        var items: [EventStreamParser.Item] = []
        var generator = SplitMix64(seed: 0)
        if case .random(let seed, _) = self {
            generator = SplitMix64(seed: seed)
        }
        var start = 0
        while start < bytes.count {
            let end: Int
            switch self {
            case .size(let size), .byteBuffers(let size), .noncontiguous(let size):
                end = min(start + size, bytes.count)
            case .random(_, let maximumSize):
                end = min(start + Int.random(in: 0...maximumSize, using: &generator), bytes.count)
            }
            let chunk = bytes[start..<end]
            switch self {
            case .size, .random: items += parser.parse(Array(chunk))
            case .byteBuffers: items += parser.parse(ByteBuffer(bytes: chunk))
            case .noncontiguous: items += parser.parse(chunk.lazy.map { $0 })
            }
            start = end
        }
        items += parser.finish()
        return ParseResult(items: items, lastEventID: parser.lastEventID, reconnectionTime: parser.reconnectionTime)
    }
}

/// Parses `bytes` whole and in every chunking of `Chunking.all`, expects the same result from each,
/// and returns the one from the whole stream.
func parseInEveryChunking(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ParseResult {
    var parser = EventStreamParser()
    let whole = ParseResult(
        items: parser.parse(bytes) + parser.finish(),
        lastEventID: parser.lastEventID,
        reconnectionTime: parser.reconnectionTime
    )
    for chunking in Chunking.all {
        let result = chunking.parse(bytes)
        #expect(result == whole, "in \(chunking)", sourceLocation: sourceLocation)
    }
    return whole
}
