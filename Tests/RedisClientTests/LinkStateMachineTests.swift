import NIOCore
import Testing

@testable import RedisClient

@Suite struct LinkStateMachineTests {
    @Test func connectsReconnectsWithGrowingAttemptsAndReportsOncePerDrop() {
        var machine = RedisLinkStateMachine()
        #expect(machine.start() == .connect)
        #expect(machine.start() == .none, "a second start does nothing")
        #expect(machine.connectFailed() == .scheduleReconnect(attempt: 1))
        #expect(machine.timerFired() == .connect)
        #expect(machine.connectFailed() == .scheduleReconnect(attempt: 2))
        #expect(machine.timerFired() == .connect)
        #expect(machine.connectSucceeded() == .reportConnected)
        #expect(machine.isConnected)
        #expect(machine.linkDropped() == .reportDisconnected)
        #expect(machine.state == .waiting(attempt: 0), "the first retry after a drop is quick")
        #expect(machine.linkDropped() == .none, "one report per drop")
        #expect(machine.timerFired() == .connect)
        #expect(machine.connectFailed() == .scheduleReconnect(attempt: 1), "failed attempts do not report again")
    }

    @Test func attemptsStopGrowingAtTheCap() {
        var machine = RedisLinkStateMachine()
        _ = machine.start()
        var last = RedisLinkStateMachine.Action.none
        for _ in 0..<100 {
            last = machine.connectFailed()
            _ = machine.timerFired()
        }
        #expect(last == .scheduleReconnect(attempt: RedisLinkStateMachine.attemptCap))
    }

    @Test func closeWinsOverEverythingThatFollows() {
        var machine = RedisLinkStateMachine()
        _ = machine.start()
        #expect(machine.close() == .shutDown)
        #expect(machine.close() == .none)
        #expect(machine.connectSucceeded() == .closeChannel, "a connect that lands after close is closed")
        #expect(machine.connectFailed() == .none)
        #expect(machine.timerFired() == .none)
        #expect(machine.linkDropped() == .none)
        #expect(machine.start() == .none)
        #expect(machine.isClosed)
    }
}

@Suite struct ReconnectBackoffTests {
    @Test func doublesWithJitterUpToTheCap() {
        let backoff = ReconnectBackoff()
        var generator = SystemRandomNumberGenerator()
        let expected: [Int64] = [50, 100, 200, 400, 800, 1600, 3000, 3000]
        for (attempt, full) in expected.enumerated() {
            #expect(backoff.fullDelay(attempt: attempt) == .milliseconds(full))
            for _ in 0..<50 {
                let delay = backoff.delay(attempt: attempt, using: &generator)
                #expect(delay >= .milliseconds(full / 2) && delay <= .milliseconds(full))
            }
        }
        #expect(backoff.fullDelay(attempt: 1_000_000) == .seconds(3))
    }

    @Test func jitterSpreadsInstancesApart() {
        var generator = SystemRandomNumberGenerator()
        let delays = Set((0..<20).map { _ in ReconnectBackoff().delay(attempt: 6, using: &generator) })
        #expect(delays.count > 10)
    }
}
