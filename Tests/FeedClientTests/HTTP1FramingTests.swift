internal import NIOCore
internal import Testing

@testable internal import FeedClient

/// The bench's HTTP/1.1 response head reader and body framing, fed in pieces of every size.
@Suite struct HTTP1FramingTests {
    /// Feeds `wire` cut at `cut`; returns the head and the body's payload as text.
    private func read(_ wire: String, cut: Int) -> (ResponseHeadReader.Progress, String, ended: Bool, error: String?) {
        let bytes = Array(wire.utf8)
        var reader = ResponseHeadReader()
        var progress = ResponseHeadReader.Progress.incomplete
        var framing: BodyFraming?
        var payload: [UInt8] = []
        var ended = false
        for piece in [bytes[..<min(cut, bytes.count)], bytes[min(cut, bytes.count)...]] {
            var buffer = ByteBuffer(bytes: piece)
            if framing == nil {
                progress = reader.read(&buffer)
                guard case .complete(let head) = progress else { continue }
                framing = BodyFraming(head.framing)
            }
            reading: while var current = framing {
                let next = current.next(&buffer)
                framing = current
                switch next {
                case .payload(let slice): payload += Array(slice.readableBytesView)
                case .needMore: break reading
                case .end:
                    ended = true
                    break reading
                case .invalid(let reason): return (progress, "", false, reason)
                }
            }
        }
        return (progress, String(decoding: payload, as: UTF8.self), ended, nil)
    }

    @Test func chunkedBodiesInEveryTwoPieces() {
        let wire =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "7\r\ndata: a\r\n1A;ext=1\r\n\n\ndata: twenty-six bytes!\n\r\n" + "0\r\nX-Trailer: 1\r\n\r\n"
        for cut in 0...wire.utf8.count {
            let (progress, payload, ended, error) = read(wire, cut: cut)
            #expect(error == nil && ended, "cut \(cut)")
            #expect(progress == .complete(.init(status: 200, contentType: "text/event-stream", framing: .chunked)))
            #expect(payload == "data: a\n\ndata: twenty-six bytes!\n", "cut \(cut)")
        }
    }

    @Test func lengthCloseAndInformationalHeads() {
        let length = read("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello, and more", cut: 20)
        #expect(length.1 == "hello" && length.ended)
        let close = read("HTTP/1.0 200 OK\nContent-Type: text/event-stream; charset=utf-8\n\ndata: x\n\n", cut: 3)
        #expect(
            close.0
                == .complete(.init(status: 200, contentType: "text/event-stream; charset=utf-8", framing: .untilClose)))
        #expect(close.1 == "data: x\n\n" && !close.ended)
        let early = read("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n", cut: 30)
        #expect(early.0 == .complete(.init(status: 404, contentType: nil, framing: .untilClose)))
        let both = read(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            cut: 0)
        #expect(both.1 == "abc" && both.ended, "chunked wins over a length")
    }

    @Test func badInputIsRefused() {
        #expect(
            read("SSH-2.0-OpenSSH\r\n\r\n", cut: 4).0
                == .invalid("not an HTTP/1.x response (its first bytes are 53 53 48 2D 32)"))
        #expect(read("HTTP/2 200\r\n\r\n", cut: 4).0 == .invalid("not an HTTP/1.x response: \"HTTP/2 200\""))
        #expect(
            read("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", cut: 9).0
                == .invalid("a response header line without a colon"))
        #expect(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", cut: 50).3 == "a bad chunk size")
        #expect(
            read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", cut: 50).3
                == "a chunk not followed by CRLF")
        var reader = ResponseHeadReader()
        var huge = ByteBuffer(
            string: "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Padding: 0123456789\r\n", count: 800))
        #expect(reader.read(&huge) == .invalid("a response head over 16384 bytes"))
    }
}
