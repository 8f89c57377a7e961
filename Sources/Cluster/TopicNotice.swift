import NIOCore
import RedisClient

/// One event of a topic as the cluster carries it: on the topic's pub/sub channel
/// (`ENTRY \n OWN-ID \n PAYLOAD`), and in its stream (fields `i`, own id, and `p`,
/// payload). Ids never hold a line break (the encoder refuses them), so the two
/// header lines are unambiguous and the payload is the rest, byte for byte.
struct TopicNotice {
    /// Its entry in the topic's stream; nil for an event kept in no stream.
    var entry: StreamEntryID?
    /// The id it was published with; nil with an entry means the entry's id is its id
    /// (`ids = "auto"`).
    var ownID: String?
    /// The event in event-stream format as published: without an `id` line when the
    /// entry's id is its id.
    var payload: ByteBuffer

    /// The id it is kept under in histories and resumed from.
    var id: String? { ownID ?? entry?.description }

    /// The event as clients get it: with its `id` line.
    var event: ByteBuffer {
        guard ownID == nil, let entry else { return payload }
        let line = "id: \(entry)\n"
        var buffer = ByteBufferAllocator().buffer(capacity: line.utf8.count + payload.readableBytes)
        buffer.writeString(line)
        buffer.writeImmutableBuffer(payload)
        return buffer
    }

    init(entry: StreamEntryID?, ownID: String?, payload: ByteBuffer) {
        self.entry = entry
        self.ownID = ownID
        self.payload = payload
    }

    /// The message for an event kept in no stream (a plain `PUBLISH`).
    static func message(ownID: String?, payload: ByteBuffer) -> ByteBuffer {
        let head = "\n\(ownID ?? "")\n"
        var buffer = ByteBufferAllocator().buffer(capacity: head.utf8.count + payload.readableBytes)
        buffer.writeString(head)
        buffer.writeImmutableBuffer(payload)
        return buffer
    }

    /// Reads a message of a topic's channel; nil if it is not one of ours.
    init?(message: ByteBuffer) {
        var rest = message
        guard let entryText = rest.readLine(), let ownText = rest.readLine() else { return nil }
        if entryText.isEmpty {
            entry = nil
        } else {
            guard let entry = StreamEntryID(entryText) else { return nil }
            self.entry = entry
        }
        ownID = ownText.isEmpty ? nil : ownText
        payload = rest
    }

    /// Reads one entry of an `XRANGE` reply: `[id, [field, value, ...]]`.
    init?(streamEntry: RedisValue) {
        guard let parts = streamEntry.array, parts.count == 2, let idText = parts[0].string,
            let entry = StreamEntryID(idText), let fields = parts[1].array, fields.count % 2 == 0
        else { return nil }
        var ownID: String?
        var payload: ByteBuffer?
        for index in stride(from: 0, to: fields.count, by: 2) {
            switch (fields[index].string, fields[index + 1]) {
            case ("i", let value): ownID = value.string.flatMap { $0.isEmpty ? nil : $0 }
            case ("p", .bulkString(let bytes)): payload = bytes
            default: continue
            }
        }
        guard let payload else { return nil }
        self.init(entry: entry, ownID: ownID, payload: payload)
    }
}

extension ByteBuffer {
    /// Reads up to the next LF (dropping it); nil if there is none.
    fileprivate mutating func readLine() -> String? {
        guard let newline = readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = readString(length: newline - readerIndex)
        moveReaderIndex(forwardBy: 1)
        return line
    }
}
