import NIOCore
import Testing

@testable import RedisClient

/// hiredis's formatter and reader through the Swift types (no server).
@Suite struct RESPTests {
    @Test func commandsAreFormattedAsRESPArrays() {
        #expect(RedisCommand(["SET", "k", "vé"]).bytes.text == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nvé\r\n")
        let binary = ByteBuffer(bytes: [0, 13, 10, 255])
        var bytes = RedisCommand([ByteBuffer(string: "ECHO"), binary, ByteBuffer()]).bytes
        #expect(bytes.readString(length: 18) == "*3\r\n$4\r\nECHO\r\n$4\r\n")
        #expect(bytes.readBytes(length: 4) == [0, 13, 10, 255])
        #expect(bytes.readString(length: bytes.readableBytes) == "\r\n$0\r\n\r\n")
    }

    @Test func repliesSplitAcrossReadsComeOutWhole() throws {
        let reader = RedisReplyReader(allocator: ByteBufferAllocator())
        let wire = "+OK\r\n-ERR no\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*2\r\n*1\r\n$0\r\n\r\n:7\r\n*0\r\n"
        var values: [RedisValue] = []
        for byte in wire.utf8 {  // one byte per feed
            try reader.feed(ByteBuffer(bytes: [byte]))
            while let value = try reader.next() { values.append(value) }
        }
        #expect(
            values == [
                .simpleString("OK"), .error("ERR no"), .integer(-42), .bulkString(ByteBuffer(string: "he\r\no")),
                .null, .null, .array([.array([.bulkString(ByteBuffer())]), .integer(7)]), .array([]),
            ])
    }

    @Test func bytesThatAreNotRESPAreAnError() throws {
        let reader = RedisReplyReader(allocator: ByteBufferAllocator())
        try reader.feed(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n"))
        let error = #expect(throws: RESPReaderError.self) { try reader.next() }
        #expect(error?.description.hasPrefix("redis protocol error: ") == true)
    }
}
