// The head of an HTTP/1.1 response, read from the first bytes of a load-test connection.
//
// Hand-written on purpose. `ssescript bench` first read HTTP/1.1 through NIOHTTP1's client codec;
// measured against the node peer (1,000 streams of /tick?ms=1000 for 10 s, 9,000 events), the
// process took 0.33 s of user CPU with it and 0.19 s without it (`ssebench`: 0.03-0.05 s): each
// response part is boxed into `NIOAny` and cast back, llhttp calls back per piece, and the
// codec adds two handlers to every read. A load client's own CPU per event shows in the latency
// it measures (the scheduler serves a busier task later): with 12 µs of busy work added after
// each read, `ssebench`'s own p50 on that feed rose from 18 to 49 µs. What a load client needs
// from the head is the status, the content type and the body's framing, which is all `ssebench`
// reads too; anything that does not start like an HTTP/1.x response is refused at once.

internal import NIOCore

/// Collects the bytes of a response head (up to `limit`) and reads what a load test needs from it.
struct ResponseHeadReader {
    /// What a complete head says.
    struct Head: Equatable {
        var status: Int
        var contentType: String?
        var framing: BodyFraming.Kind
    }

    enum Progress: Equatable {
        /// More bytes are needed.
        case incomplete
        /// The head is complete; the rest of the buffer is the body.
        case complete(Head)
        case invalid(String)
    }

    static let limit = 16 << 10
    private var bytes: [UInt8] = []

    /// Reads from `buffer` what belongs to the head; on `.complete`, `buffer` holds the body's first bytes.
    /// Informational (1xx) heads are skipped.
    mutating func read(_ buffer: inout ByteBuffer) -> Progress {
        while buffer.readableBytes > 0 {
            guard let byte = buffer.readInteger(as: UInt8.self) else { break }
            bytes.append(byte)
            if bytes.count == 5, !bytes.elementsEqual("HTTP/".utf8) {
                return .invalid(
                    "not an HTTP/1.x response (its first bytes are \(bytes.map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")))"
                )
            }
            guard byte == UInt8(ascii: "\n"), bytes.count >= 2, endsHead() else {
                if bytes.count > Self.limit { return .invalid("a response head over \(Self.limit) bytes") }
                continue
            }
            let progress = Self.parse(bytes)
            bytes.removeAll(keepingCapacity: true)
            if case .complete(let head) = progress, (100..<200).contains(head.status) { continue }
            return progress
        }
        return .incomplete
    }

    /// Whether the bytes end with an empty line (LF LF or LF CR LF).
    private func endsHead() -> Bool {
        let count = bytes.count
        if bytes[count - 2] == UInt8(ascii: "\n") { return true }
        return count >= 3 && bytes[count - 2] == UInt8(ascii: "\r") && bytes[count - 3] == UInt8(ascii: "\n")
    }

    private static func parse(_ bytes: [UInt8]) -> Progress {
        // Split on LF bytes: as Characters, CR LF is one, and would not split.
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            Substring(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            return .invalid("not an HTTP/1.x response: \"\(statusLine.prefix(40))\"")
        }
        var contentType: String?
        var chunked = false
        var length: Int?
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                return .invalid("a response header line without a colon")
            }
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch line[..<colon].lowercased() {
            case "content-type": contentType = value
            case "transfer-encoding":
                chunked = value.lowercased().split(separator: ",").last?.trimmingSpaces() == "chunked"
            case "content-length":
                guard let number = Int(value), number >= 0 else { return .invalid("a bad Content-Length: \(value)") }
                length = number
            default: break
            }
        }
        let framing: BodyFraming.Kind = chunked ? .chunked : length.map { .length($0) } ?? .untilClose
        return .complete(Head(status: status, contentType: contentType, framing: framing))
    }
}

extension Substring {
    /// The text without spaces and tabs at either end.
    func trimmingSpaces() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
