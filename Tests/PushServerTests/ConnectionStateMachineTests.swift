import NIOCore
import NIOHTTP1
import Testing

@testable import PushServer

/// The connection's request handling on its own: every transition, no channel.
@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine

    private static func head(
        _ method: HTTPMethod = .GET, _ uri: String = "/sse", version: HTTPVersion = .http1_1,
        _ headers: [(String, String)] = []
    ) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    private static let exchange = head(.POST, "/post")
    private static let notFound = Response(status: .notFound, text: "no")

    /// A machine with a stream request forwarded to the hub.
    private func waitingForStream(_ headers: [(String, String)] = [], version: HTTPVersion = .http1_1) -> Machine {
        var machine = Machine(maxBody: 10)
        _ = machine.receivedHead(Self.head(version: version, headers), decide: { .forward(.stream) })
        _ = machine.receivedEnd()
        return machine
    }

    private func streaming(_ headers: [(String, String)] = [], version: HTTPVersion = .http1_1) -> Machine {
        var machine = waitingForStream(headers, version: version)
        _ = machine.streamOpened()
        return machine
    }

    private func waitingForExchange(_ head: HTTPRequestHead = exchange) -> Machine {
        var machine = Machine(maxBody: 10)
        _ = machine.receivedHead(head, decide: { .forward(.exchange) })
        _ = machine.receivedEnd()
        return machine
    }

    // MARK: idle and receiving

    @Test func aForwardedRequestIsReadThenHandedToTheHub() {
        var machine = Machine(maxBody: 10)
        #expect(machine.isAwaitingRequest && !machine.holdsStreamSlot)
        #expect(machine.receivedHead(Self.exchange, decide: { .forward(.exchange) }).summary == "none")
        #expect(machine.isAwaitingRequest, "the body is still to come: the request timeout applies")
        #expect(machine.receivedBody(ByteBuffer(string: "ab")).summary == "none")
        #expect(machine.receivedBody(ByteBuffer(string: "cd")).summary == "none")
        #expect(machine.receivedEnd().summary == "forward exchange /post abcd")
        #expect(!machine.isAwaitingRequest && !machine.hubHoldsStream)
    }

    @Test func aStreamRequestHoldsASlotFromItsHead() {
        var machine = Machine(maxBody: 10)
        _ = machine.receivedHead(Self.head(), decide: { .forward(.stream) })
        #expect(machine.holdsStreamSlot && !machine.hubHoldsStream)
        #expect(machine.receivedEnd().summary == "forward stream /sse ")
        #expect(machine.holdsStreamSlot && machine.hubHoldsStream)
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() {
        var machine = Machine(maxBody: 10)
        let head = Self.head(.POST, "/post", [("Expect", "100-continue")])
        #expect(machine.receivedHead(head, decide: { .forward(.exchange) }).summary == "continue")
    }

    @Test func anAnswerWaitsForTheBodyThenKeepsTheConnection() {
        var machine = Machine(maxBody: 10)
        #expect(
            machine.receivedHead(Self.head(), decide: { .answer(Self.notFound, closeNow: false) }).summary == "none")
        #expect(machine.receivedBody(ByteBuffer(string: "dropped, however long")).summary == "none")
        #expect(machine.receivedEnd().summary == "respond 404 then readNext")
        #expect(machine.isAwaitingRequest, "back to idle")
    }

    @Test func anAnswerThatClosesNowIsSentAtOnce() {
        var machine = Machine(maxBody: 10)
        let tooLarge = Response(status: .payloadTooLarge, text: "too big")
        #expect(
            machine.receivedHead(Self.head(), decide: { .answer(tooLarge, closeNow: true) }).summary
                == "respond 413 then close")
        #expect(!machine.keepAlive)
        #expect(machine.receivedBody(ByteBuffer(string: "x")).summary == "none", "closing: nothing more is read")
        #expect(machine.receivedEnd().summary == "none")
    }

    @Test func theRouterIsAskedOnlyWhenTheHeadIsTaken() {
        var machine = waitingForStream()
        var asked = false
        let action = machine.receivedHead(
            Self.head(),
            decide: {
                asked = true
                return .forward(.stream)
            })
        #expect(action.summary == "defer")
        #expect(!asked, "a deferred head takes no slot")
    }

    @Test func aBodyTooLargeIs413AndCloses() {
        var machine = Machine(maxBody: 3)
        _ = machine.receivedHead(Self.exchange, decide: { .forward(.exchange) })
        #expect(machine.receivedBody(ByteBuffer(string: "abc")).summary == "none")
        #expect(machine.receivedBody(ByteBuffer(string: "d")).summary == "respond 413 then close")
    }

    @Test func aBodyOrEndWithoutAHeadIsMalformed() {
        var body = Machine(maxBody: 10)
        #expect(body.receivedBody(ByteBuffer(string: "x")).summary == "respond 400 then close")
        var end = Machine(maxBody: 10)
        #expect(end.receivedEnd().summary == "respond 400 then close")
    }

    @Test func parseErrorsAre400Or431WhileReadingAndACloseOtherwise() {
        var reading = Machine(maxBody: 10)
        #expect(reading.parseFailed(headTooLarge: false, maxHead: 99).summary == "respond 400 then close")
        var large = Machine(maxBody: 10)
        guard case .respond(let response, .close) = large.parseFailed(headTooLarge: true, maxHead: 99) else {
            Issue.record("expected 431")
            return
        }
        #expect(response.status.code == 431 && String(buffer: response.body) == "request head larger than 99 bytes\n")
        var stream = streaming()
        #expect(stream.parseFailed(headTooLarge: false, maxHead: 99).summary == "close", "never inside a body")
        #expect(stream.parseFailed(headTooLarge: false, maxHead: 99).summary == "none", "closing: nothing more")
        var waiting = waitingForExchange()
        #expect(waiting.parseFailed(headTooLarge: false, maxHead: 99).summary == "close", "never before its answer")
    }

    // MARK: waiting for the hub

    @Test func theHubsResponseEndsAnExchange() {
        var machine = waitingForExchange()
        #expect(machine.receivedHead(Self.head(), decide: { .forward(.exchange) }).summary == "defer")
        #expect(machine.receivedBody(ByteBuffer(string: "x")).summary == "defer")
        #expect(machine.receivedEnd().summary == "defer")
        #expect(machine.timedOut().summary == "none", "the script may take its time")
        #expect(machine.hubResponded(Response(status: .noContent)).summary == "respond 204 then readNext")
        #expect(machine.isAwaitingRequest)
        #expect(machine.hubResponded(Response(status: .noContent)).summary == "none", "one response per request")
    }

    @Test func aDeniedStreamIsAnsweredAndReleasesItsSlot() {
        var machine = waitingForStream()
        #expect(machine.hubResponded(Response(status: .unauthorized)).summary == "respond 401 then readNext")
        #expect(!machine.holdsStreamSlot && !machine.hubHoldsStream)
    }

    @Test func aRequestThatAskedToCloseClosesAfterItsResponse() {
        var machine = waitingForExchange(Self.head(.POST, "/post", [("Connection", "close")]))
        #expect(machine.hubResponded(Response(status: .ok)).summary == "respond 200 then close")
    }

    @Test func http10ClosesUnlessItAskedForKeepAlive() {
        var plain = waitingForExchange(Self.head(.POST, "/post", version: .http1_0))
        #expect(plain.hubResponded(Response(status: .ok)).summary == "respond 200 then close")
        var kept = waitingForExchange(Self.head(.POST, "/post", version: .http1_0, [("Connection", "keep-alive")]))
        #expect(kept.hubResponded(Response(status: .ok)).summary == "respond 200 then readNext")
    }

    @Test func onlyAWaitingStreamOpens() {
        var exchange = waitingForExchange()
        #expect(exchange.streamOpened().summary == "none", "an exchange never opens")
        #expect(exchange.streamEnded().summary == "none")
        var stream = waitingForStream()
        #expect(stream.streamOpened().summary == "open")
        #expect(stream.isStreaming && stream.holdsStreamSlot && stream.hubHoldsStream)
        #expect(stream.streamOpened().summary == "none", "it opens once")
    }

    @Test func endingAStreamThatNeverOpenedCloses() {
        var machine = waitingForStream()
        #expect(machine.streamEnded().summary == "close")
    }

    // MARK: streaming

    @Test func aStreamTheScriptEndsKeepsTheConnection() {
        var machine = streaming()
        #expect(machine.receivedHead(Self.head(), decide: { .forward(.stream) }).summary == "defer")
        #expect(machine.timedOut().summary == "none", "a stream has no request timeout")
        #expect(machine.streamEnded().summary == "end then readNext")
        #expect(machine.isAwaitingRequest && !machine.holdsStreamSlot && !machine.hubHoldsStream)
    }

    @Test func aStreamEndsWithTheConnectionWhenItMust() {
        var asked = streaming([("Connection", "close")])
        #expect(asked.streamEnded().summary == "end then close")
        var http10 = streaming([("Connection", "keep-alive")], version: .http1_0)
        #expect(http10.streamEnded().summary == "end then close", "an HTTP/1.0 stream is delimited by the close")
    }

    @Test func aSlowStreamIsAborted() {
        var machine = streaming()
        #expect(machine.tooSlow().summary == "abort")
        #expect(!machine.holdsStreamSlot)
        #expect(machine.tooSlow().summary == "none" && machine.streamEnded().summary == "none")
        var idle = Machine(maxBody: 10)
        #expect(idle.tooSlow().summary == "none", "only a stream can be slow")
    }

    // MARK: timeouts, shutdown, close

    @Test func timeoutsCloseIdleConnectionsAndAnswerPartialRequests() {
        var idle = Machine(maxBody: 10)
        #expect(idle.timedOut().summary == "close")
        var partial = Machine(maxBody: 10)
        _ = partial.receivedHead(Self.exchange, decide: { .forward(.exchange) })
        #expect(partial.timedOut().summary == "respond 408 then close")
        var answering = Machine(maxBody: 10)
        _ = answering.receivedHead(Self.head(), decide: { .answer(Self.notFound, closeNow: false) })
        #expect(answering.timedOut().summary == "respond 408 then close")
    }

    @Test func shutdownEndsStreamsAndClosesTheRest() {
        var stream = streaming()
        #expect(stream.shutdown().summary == "end then close")
        #expect(stream.shutdown().summary == "none", "once")
        var idle = Machine(maxBody: 10)
        #expect(idle.shutdown().summary == "close")
        var waiting = waitingForStream()
        #expect(waiting.shutdown().summary == "close")
    }

    @Test func deferringTooMuchCloses() {
        var machine = streaming()
        #expect(machine.deferredTooMuch().summary == "close")
    }

    @Test func aClosedConnectionDoesNothingMore() {
        var machine = streaming()
        machine.closed()
        #expect(!machine.isStreaming && !machine.holdsStreamSlot && !machine.hubHoldsStream)
        #expect(machine.receivedHead(Self.head(), decide: { .forward(.stream) }).summary == "none")
        #expect(machine.receivedBody(ByteBuffer()).summary == "none")
        #expect(machine.receivedEnd().summary == "none")
        #expect(machine.hubResponded(Response(status: .ok)).summary == "none")
        #expect(machine.streamOpened().summary == "none")
        #expect(machine.timedOut().summary == "none")
        #expect(machine.shutdown().summary == "none")
    }
}

/// The slow-client rule on its own.
@Suite struct WriteBudgetTests {
    @Test func overTwiceTheBudgetAfterAFlushIsSlowOnce() {
        var budget = WriteBudget(limit: 100, patience: 4)
        var slow = budget.flushed(waiting: nil, tick: 1)
        #expect(!slow && budget.overSince == nil, "kept up")
        slow = budget.flushed(waiting: 200, tick: 1)
        #expect(!slow && budget.overSince == 1, "twice is allowed")
        slow = budget.flushed(waiting: 201, tick: 2)
        #expect(slow && budget.isSlow)
        slow = budget.flushed(waiting: 500, tick: 3)
        #expect(!slow, "reported once")
    }

    @Test func overTheBudgetForItsPatienceIsSlow() {
        var budget = WriteBudget(limit: 100, patience: 4)
        budget.writabilityChanged(isWritable: false, tick: 10)
        var slow = budget.check(tick: 13)
        #expect(!slow)
        budget.writabilityChanged(isWritable: false, tick: 12)
        #expect(budget.overSince == 10, "the first tick over counts")
        slow = budget.check(tick: 14)
        #expect(slow)
    }

    @Test func writableAgainResetsThePatience() {
        var budget = WriteBudget(limit: 100, patience: 4)
        budget.writabilityChanged(isWritable: false, tick: 10)
        budget.writabilityChanged(isWritable: true, tick: 13)
        var slow = budget.check(tick: 20)
        #expect(!slow && !budget.isSlow)
        slow = budget.flushed(waiting: 50, tick: 21)
        #expect(!slow && budget.overSince == 21, "still over its budget after a flush")
    }
}

extension ConnectionStateMachine.Action {
    /// The action in a few words, to compare in tests: `respond 404 then close`.
    var summary: String {
        switch self {
        case .none: "none"
        case .defer: "defer"
        case .sendContinue: "continue"
        case .forward(let head, let body, let kind): "forward \(kind) \(head.uri) \(String(buffer: body))"
        case .respond(let response, let next): "respond \(response.status.code) then \(next)"
        case .openStream: "open"
        case .endStream(let next): "end then \(next)"
        case .close: "close"
        case .abort: "abort"
        }
    }
}
