import NIOCore
import NIOHTTP1

/// What one connection does with its requests, as a state machine: events in,
/// actions out, no I/O. The channel handler feeds it what happens on the wire and
/// from the hub and performs the actions it returns (in the manner of swift-nio's
/// `HTTPServerPipelineHandler`).
///
/// One request at a time: parts of the next request that arrive while one is
/// being answered or streamed are deferred (the handler keeps them in order and
/// feeds them again once the machine reads requests again).
///
/// A request ends in one of three ways: a response (the server's own refusal, the
/// hub's answer, a denied stream), a stream the hub opens and later ends, or the
/// connection closing. After a response or a stream that the script ended, a
/// kept-alive connection reads its next request (as nginx does after a chunked
/// response); otherwise it closes, and said so in advance (`Connection: close`).
struct ConnectionStateMachine {
    /// What the hub is asked for.
    enum Kind: Equatable {
        /// An SSE stream: the hub opens it (or denies it) and later ends it.
        case stream
        /// A plain HTTP handler: the hub answers it once.
        case exchange
    }

    /// How the server decided a request head (see `ServerState.decide`).
    enum Decision {
        /// The server answers itself: a refusal or a preflight. With `closeNow`, at
        /// once and the connection closes (the body is not worth reading); else
        /// after the body is read and dropped.
        case answer(Response, closeNow: Bool)
        /// The request goes to the hub once its body is read.
        case forward(Kind)
    }

    /// What happens after a response or the end of a stream.
    enum Next: Equatable {
        /// Read the next request on this connection (and any deferred parts).
        case readNext
        /// Close the connection once the bytes are written.
        case close
    }

    enum Action {
        case none
        /// Keep this part until the machine reads requests again.
        case `defer`
        /// Write `100 Continue`: the client waits for it before sending the body.
        case sendContinue
        /// Hand the complete request to the hub.
        case forward(HTTPRequestHead, body: ByteBuffer, Kind)
        /// Write this response, then go on as `then` says.
        case respond(Response, then: Next)
        /// Write the stream's head and first comment.
        case openStream
        /// Write the end of the stream, then go on as `then` says.
        case endStream(then: Next)
        /// Close the connection, after what is already written.
        case close
        /// Close the connection at once, dropping what is not written (a slow client).
        case abort
    }

    enum State {
        /// Waiting for a request head (a new or kept-alive connection).
        case idle
        /// Reading the body of a request for the hub.
        case receiving(HTTPRequestHead, Kind, body: ByteBuffer)
        /// Reading and dropping the body of a request the server answers itself.
        case answering(Response)
        /// Handed to the hub; waiting for its response or for the stream to open.
        case waiting(Kind)
        /// The stream's head is out; events follow.
        case streaming
        /// Closing: nothing more is read or written.
        case closing
    }

    private(set) var state = State.idle
    /// Whether the current request lets the connection live on after its response.
    private(set) var keepAlive = true
    /// Whether streams are delimited by the connection's close (HTTP/1.0): such a
    /// stream's end always closes the connection.
    private(set) var streamsCloseConnection = false
    let maxBody: Int

    init(maxBody: Int) {
        self.maxBody = maxBody
    }

    /// Whether the connection waits for (more of) a request: the request timeout
    /// (slow-loris, keep-alive idle) applies.
    var isAwaitingRequest: Bool {
        switch state {
        case .idle, .receiving, .answering: true
        case .waiting, .streaming, .closing: false
        }
    }

    var isStreaming: Bool { if case .streaming = state { true } else { false } }

    /// Whether the current request holds one of the server's stream slots: from
    /// its head until its stream ends or it is answered instead.
    var holdsStreamSlot: Bool {
        switch state {
        case .receiving(_, .stream, _), .waiting(.stream), .streaming: true
        default: false
        }
    }

    /// Whether the hub holds a stream for this connection: it must hear when the
    /// connection goes, however it goes.
    var hubHoldsStream: Bool {
        switch state {
        case .waiting(.stream), .streaming: true
        default: false
        }
    }

    // MARK: From the wire

    /// A request head. `decide` (the router) is asked only when the machine takes
    /// the request now, not when it defers it.
    mutating func receivedHead(_ head: HTTPRequestHead, decide: () -> Decision) -> Action {
        guard case .idle = state else { return deferUnlessClosing() }
        keepAlive = head.isKeepAlive
        streamsCloseConnection = head.isHTTP10
        switch decide() {
        case .answer(let response, closeNow: true):
            return respond(response, close: true)
        case .answer(let response, closeNow: false):
            state = .answering(response)
            return .none
        case .forward(let kind):
            state = .receiving(head, kind, body: ByteBuffer())
            let expectsContinue = head.headers.first(name: "expect")?.lowercased() == "100-continue"
            return expectsContinue ? .sendContinue : .none
        }
    }

    mutating func receivedBody(_ chunk: ByteBuffer) -> Action {
        switch state {
        case .receiving(let head, let kind, var body):
            guard body.readableBytes + chunk.readableBytes <= maxBody else {
                return respond(
                    Response(status: .payloadTooLarge, text: "request body larger than \(maxBody) bytes"), close: true)
            }
            state = .idle  // drop the reference so `body` is not copied on write
            var chunk = chunk
            body.writeBuffer(&chunk)
            state = .receiving(head, kind, body: body)
            return .none
        case .answering:
            return .none
        case .idle:
            return malformed()
        case .waiting, .streaming, .closing:
            return deferUnlessClosing()
        }
    }

    mutating func receivedEnd() -> Action {
        switch state {
        case .receiving(let head, let kind, let body):
            state = .waiting(kind)
            return .forward(head, body: body, kind)
        case .answering(let response):
            return respond(response, close: !keepAlive)
        case .idle:
            return malformed()
        case .waiting, .streaming, .closing:
            return deferUnlessClosing()
        }
    }

    /// The request could not be parsed (or its head was too large).
    mutating func parseFailed(headTooLarge: Bool, maxHead: Int) -> Action {
        switch state {
        case .idle, .receiving, .answering:
            let response =
                headTooLarge
                ? Response(status: .requestHeaderFieldsTooLarge, text: "request head larger than \(maxHead) bytes")
                : Response(status: .badRequest, text: "malformed HTTP request")
            return respond(response, close: true)
        case .waiting, .streaming:
            return close()
        case .closing:
            return .none
        }
    }

    /// Too many parts waited while a request was answered: the client pipelines
    /// without bound.
    mutating func deferredTooMuch() -> Action { close() }

    // MARK: From the hub

    /// The hub's response to a forwarded request, or its refusal of a stream.
    mutating func hubResponded(_ response: Response) -> Action {
        guard case .waiting = state else { return .none }
        return respond(response, close: !keepAlive)
    }

    /// The hub opened the stream.
    mutating func streamOpened() -> Action {
        guard case .waiting(.stream) = state else { return .none }
        state = .streaming
        return .openStream
    }

    /// The hub (the script) ended the stream cleanly.
    mutating func streamEnded() -> Action {
        switch state {
        case .streaming:
            let next: Next = keepAlive && !streamsCloseConnection ? .readNext : .close
            state = next == .close ? .closing : .idle
            return .endStream(then: next)
        case .waiting(.stream):
            return close()
        default:
            return .none
        }
    }

    // MARK: From the server

    /// The request did not complete in time (slow-loris), or a kept-alive
    /// connection stayed idle too long.
    mutating func timedOut() -> Action {
        switch state {
        case .idle: return close()
        case .receiving, .answering:
            return respond(Response(status: .requestTimeout, text: "request not completed in time"), close: true)
        default: return .none
        }
    }

    /// The stream takes its bytes too slowly: it is dropped, and comes back with
    /// `Last-Event-ID`.
    mutating func tooSlow() -> Action {
        guard case .streaming = state else { return .none }
        state = .closing
        return .abort
    }

    /// The hub drops the stream without its end (a fault a script injects): the
    /// connection closes at once, after what is written.
    mutating func dropped() -> Action {
        guard case .streaming = state else { return .none }
        state = .closing
        return .abort
    }

    /// The server stops: a stream gets its end, then every connection closes.
    mutating func shutdown() -> Action {
        switch state {
        case .streaming:
            state = .closing
            return .endStream(then: .close)
        case .closing:
            return .none
        default:
            return close()
        }
    }

    /// The connection is gone (the peer closed, or a write failed).
    mutating func closed() {
        state = .closing
    }

    // MARK: Internals

    private mutating func respond(_ response: Response, close: Bool) -> Action {
        if close { keepAlive = false }
        state = close ? .closing : .idle
        return .respond(response, then: close ? .close : .readNext)
    }

    private mutating func malformed() -> Action {
        respond(Response(status: .badRequest, text: "malformed HTTP request"), close: true)
    }

    private mutating func close() -> Action {
        state = .closing
        return .close
    }

    private func deferUnlessClosing() -> Action {
        if case .closing = state { return .none }
        return .defer
    }
}

extension HTTPRequestHead {
    /// HTTP/1.0: no chunked bodies, so streams are delimited by the connection's close.
    var isHTTP10: Bool { version.major == 1 && version.minor == 0 }
}
