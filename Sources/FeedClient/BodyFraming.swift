// The body of an HTTP/1.1 response: chunked (RFC 9112 §7.1), of a Content-Length, or until the close.
// Hand-written for the reason given in ResponseHeadReader.swift.

internal import NIOCore

/// Takes the body's bytes as they come and gives back the payload, as slices of the same buffers.
struct BodyFraming {
    enum Kind: Equatable {
        case chunked
        case length(Int)
        case untilClose
    }

    /// What the next bytes are.
    enum Piece: Equatable {
        case payload(ByteBuffer)
        /// Every byte given so far is used; more are needed.
        case needMore
        /// The body is complete (the last chunk and trailers, or the whole length).
        case end
        case invalid(String)
    }

    private enum ChunkState {
        case size
        case extensions
        case sizeLF
        case data
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine
        case done
    }

    private let kind: Kind
    private var remaining: Int
    private var state = ChunkState.size
    private var sizeDigits = 0

    init(_ kind: Kind) {
        self.kind = kind
        if case .length(let length) = kind {
            remaining = length
        } else {
            remaining = 0
        }
    }

    /// The next piece of `bytes`, whose reader index it moves past what it used.
    mutating func next(_ bytes: inout ByteBuffer) -> Piece {
        switch kind {
        case .untilClose:
            return bytes.readableBytes == 0 ? .needMore : .payload(bytes.readSlice(length: bytes.readableBytes)!)
        case .length:
            if remaining == 0 { return .end }
            guard bytes.readableBytes > 0 else { return .needMore }
            let count = min(remaining, bytes.readableBytes)
            remaining -= count
            return .payload(bytes.readSlice(length: count)!)
        case .chunked:
            return nextChunkPiece(&bytes)
        }
    }

    private mutating func nextChunkPiece(_ bytes: inout ByteBuffer) -> Piece {
        while true {
            if state == .done { return .end }
            if state == .data {
                guard bytes.readableBytes > 0 else { return .needMore }
                let count = min(remaining, bytes.readableBytes)
                remaining -= count
                if remaining == 0 { state = .dataCR }
                return .payload(bytes.readSlice(length: count)!)
            }
            guard let byte = bytes.readInteger(as: UInt8.self) else { return .needMore }
            if let failure = step(byte) { return .invalid(failure) }
        }
    }

    /// Reads one byte of chunk framing; returns why it is wrong, if it is.
    private mutating func step(_ byte: UInt8) -> String? {
        switch state {
        case .size:
            if let digit = Self.hexValue(byte) {
                guard sizeDigits < 15 else { return "a chunk size too large" }
                remaining = remaining * 16 + digit
                sizeDigits += 1
            } else if sizeDigits > 0,
                byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            {
                state = .extensions
            } else if sizeDigits > 0, byte == UInt8(ascii: "\r") {
                state = .sizeLF
            } else if sizeDigits > 0, byte == UInt8(ascii: "\n") {
                endSizeLine()
            } else {
                return "a bad chunk size"
            }
        case .extensions:
            if byte == UInt8(ascii: "\n") { endSizeLine() }
        case .sizeLF:
            guard byte == UInt8(ascii: "\n") else { return "a chunk size line not ended by CRLF" }
            endSizeLine()
        case .dataCR:
            if byte == UInt8(ascii: "\r") {
                state = .dataLF
            } else if byte == UInt8(ascii: "\n") {
                startChunk()
            } else {
                return "a chunk not followed by CRLF"
            }
        case .dataLF:
            guard byte == UInt8(ascii: "\n") else { return "a chunk not followed by CRLF" }
            startChunk()
        case .trailerLineStart:
            if byte == UInt8(ascii: "\n") {
                state = .done
            } else if byte != UInt8(ascii: "\r") {
                state = .trailerLine
            }
        case .trailerLine:
            if byte == UInt8(ascii: "\n") { state = .trailerLineStart }
        case .data, .done:
            break
        }
        return nil
    }

    private mutating func endSizeLine() {
        state = remaining == 0 ? .trailerLineStart : .data
        sizeDigits = 0
    }

    private mutating func startChunk() {
        state = .size
        remaining = 0
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
