import Logging
import LuaRuntime
import NIOCore
import NIOEmbedded
import PushServer
import Testing

@testable import Scripting

@Suite struct SchedulerTests {
    @Test func dueTimersRunInDeadlineOrderInOneWake() {
        let loop = EmbeddedEventLoop()
        let scheduler = Scheduler(loop: loop)
        var ran: [String] = []
        scheduler.schedule(after: .seconds(2)) { ran.append("b") }
        scheduler.schedule(after: .seconds(1)) { ran.append("a") }
        let cancelled = scheduler.schedule(after: .milliseconds(1500)) { ran.append("cancelled") }
        scheduler.schedule(after: .seconds(2)) { ran.append("c") }
        cancelled.cancel()
        loop.advanceTime(by: .milliseconds(999))
        #expect(ran.isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(ran == ["a"])
        loop.advanceTime(by: .seconds(1))
        #expect(ran == ["a", "b", "c"], "same deadline: in the order scheduled")
        #expect(scheduler.pendingCount == 0)
    }

    @Test func timersWithinTheirLeewayShareAWakeAndNoneRunsEarly() {
        let loop = EmbeddedEventLoop()
        let scheduler = Scheduler(loop: loop)
        var ran: [String] = []
        loop.advanceTime(by: .milliseconds(3))
        scheduler.schedule(after: .milliseconds(1005)) { ran.append("1.008 s") }
        scheduler.schedule(after: .milliseconds(1000)) { ran.append("1.003 s") }
        scheduler.schedule(after: .milliseconds(20_000)) { ran.append("20.003 s") }
        scheduler.schedule(after: .milliseconds(50)) { ran.append("53 ms") }
        loop.advanceTime(to: .uptimeNanoseconds(53_000_000))
        #expect(ran == ["53 ms"], "50 ms away: a millisecond of leeway, on time here")
        loop.advanceTime(to: .uptimeNanoseconds(1_009_999_999))
        #expect(ran == ["53 ms"])
        loop.advanceTime(to: .uptimeNanoseconds(1_010_000_000))
        #expect(ran == ["53 ms", "1.003 s", "1.008 s"], "a second away: 10 ms of leeway, one wake, in the order they were due")
        loop.advanceTime(to: .uptimeNanoseconds(20_009_999_999))
        #expect(ran.count == 3, "the leeway is at most 10 ms")
        loop.advanceTime(to: .uptimeNanoseconds(20_010_000_000))
        #expect(ran.last == "20.003 s")
        #expect(Scheduler.leeway(after: 500_000_000) == 5_000_000)
        #expect(Scheduler.leeway(after: 0) == 1_000_000)
    }

    @Test func anEarlierTimerRearmsTheWake() {
        let loop = EmbeddedEventLoop()
        let scheduler = Scheduler(loop: loop)
        var ran: [Int] = []
        scheduler.schedule(after: .seconds(10)) { ran.append(10) }
        scheduler.schedule(after: .seconds(1)) {
            ran.append(1)
            scheduler.schedule(after: .zero) { ran.append(0) }  // never inside the current call
        }
        loop.advanceTime(by: .seconds(1))
        #expect(ran == [1, 0])
        loop.advanceTime(by: .seconds(9))
        #expect(ran == [1, 0, 10])
    }
}

@Suite struct ScriptAPITests {
    @Test func everyKeepsAFixedScheduleAndCancelStopsIt() throws {
        let script = try EmbeddedScript(
            """
            ticks, once = 0, 0
            handle = sse.every(0.5, function(t) ticks = ticks + 1; if ticks == 3 then t:cancel() end end)
            sse.after(1, function() once = once + 1 end)
            """)
        script.advance(0.49)
        #expect(try script.eval("return ticks") == 0)
        script.advance(0.01)
        #expect(try script.eval("return ticks") == 1)
        script.advance(1)
        #expect(try script.values("return ticks, once") == [3, 1])
        script.advance(5)
        #expect(try script.eval("return ticks") == 3, "cancelled from inside its own callback")
        #expect(try script.eval("return once") == 1)
    }

    @Test func aFailingTimerKeepsItsSchedule() throws {
        let script = try EmbeddedScript("n = 0; sse.every(1, function() n = n + 1; error('tick ' .. n) end)")
        script.advance(3)
        #expect(try script.eval("return n") == 3)
    }

    @Test func timersCanSleepAndUseTheirOwnCoroutines() throws {
        let script = try EmbeddedScript(
            """
            log = {}
            sse.after(1, function()
              local gen = coroutine.wrap(function() for i = 1, 3 do sse.sleep(1); coroutine.yield(i) end end)
              for _ = 1, 3 do log[#log + 1] = gen() end
            end)
            """)
        script.advance(1)
        #expect(try script.eval("return #log") == 0)
        script.advance(2)
        #expect(try script.eval("return #log") == 2)
        script.advance(1)
        #expect(try script.eval("return table.concat(log, ',')") == "1,2,3")
    }

    @Test func sleepOutsideAHandlerIsAnError() throws {
        let script = try EmbeddedScript("")
        #expect(
            try script.error("sse.sleep(1)")?.hasSuffix("sse.sleep can only be called inside a handler or timer")
                == true)
        #expect(try script.error("sse.sleep(-1)")?.contains("bad argument #1 to 'sleep'") == true)
        #expect(try script.error("sse.every(0, print)")?.contains("greater than 0") == true)
    }

    @Test func badEventFieldsAreErrorsNamingTheField() throws {
        let script = try EmbeddedScript("")
        let cases: [(String, String)] = [
            (#"sse.publish("/t", { event = "a\nb" })"#, "event name must not contain a line feed (LF)"),
            (#"sse.publish("/t", { event = "a\rb" })"#, "event name must not contain a carriage return (CR)"),
            (#"sse.publish("/t", { id = "1\0" })"#, "event id must not contain a NUL"),
            (#"sse.publish("/t", { retry = 1.5 })"#, "event field retry must be an integer number of milliseconds"),
            (#"sse.publish("/t", { retry = "soon" })"#, "event field retry must be an integer number of milliseconds"),
            (#"sse.publish("/t", { retry = -1 })"#, "retry must be a number of milliseconds of 0 or more"),
            (#"sse.publish("/t", { dat = "x" })"#, #"unknown event field "dat""#),
            (
                #"sse.publish("/t", { data = print })"#,
                "event field data must be a string, number or table, not function"
            ),
            (#"sse.publish("/t", { event = {} })"#, "event field event must be a string or number, not table"),
            (#"sse.publish("/t", { data = { f = print } })"#, "Cannot serialise function"),
            (#"sse.broadcast(true)"#, "bad argument #1 to 'broadcast' (event table or string expected, got boolean)"),
        ]
        for (source, expected) in cases {
            let message = try script.error(source)
            #expect(message?.contains(expected) == true, "\(source) → \(message ?? "no error")")
            #expect(message?.hasPrefix("eval:1:") == true, "the error points at the script's line")
        }
        #expect(
            try script.values(#"return sse.publish("/t", { data = { 1, 2 }, event = 5, id = 7, retry = 3000 })"#)
                == [0], "every field valid, and nobody subscribed: one result, 0")
    }

    @Test func declarationsAreChecked() throws {
        let script = try EmbeddedScript(#"sse.stream("/sse")"#)
        #expect(try script.error(#"sse.stream("/sse")"#)?.hasSuffix("stream /sse is already declared") == true)
        #expect(try script.error(#"sse.stream("sse")"#)?.contains(#"a path like "/sse" expected"#) == true)
        #expect(try script.error(#"sse.stream("/x", 5)"#)?.contains("function expected, got number") == true)
        #expect(try script.error(#"sse.stream("/x", nil, { heartbeat = 0 })"#)?.contains("heartbeat must be") == true)
        #expect(
            try script.error(#"sse.stream("/x", nil, { colour = 1 })"#)?.contains(#"unknown stream option "colour""#)
                == true)
        #expect(try script.error(#"sse.get("/sse", 1)"#)?.contains("function expected") == true)
    }

    @Test func moduleIsTheGlobalAndTheRequiredOne() throws {
        let script = try EmbeddedScript("")
        #expect(try script.eval("return require('sse') == sse and sse.json.encode({1}) == '[1]'") == true)
        #expect(try script.eval("local t = sse.now(); return math.type(t) == 'float' and t > 1.7e9") == true)
        #expect(try script.values("return sse.clients(), sse.clients('/none')") == [0, 0])
    }

    @Test func aReloadBeforeTheScriptStartedDoesNothing() throws {
        // A SIGHUP while `serve` is still starting: the host has no script yet.
        let loop = EmbeddedEventLoop()
        let server = PushServer(configuration: .init(), group: loop, controlLoop: loop, logger: Logger(label: "test"))
        let host = ScriptHost(
            scriptPath: try TemporaryScript.write(#"sse.stream("/s")"#), server: server, logger: Logger(label: "test"))
        #expect(host.reload(because: "SIGHUP") == false)
        #expect(host.vm == nil && server.routes.streams.isEmpty)
        try host.start()
        #expect(host.reload(because: "SIGHUP"))
    }

    /// What `--sandbox` leaves a script, name by name (README, Safety).
    @Test func sandboxKeepsSseAndJsonButNotTheSystem() throws {
        var options = ScriptOptions()
        options.sandbox = true
        let script = try EmbeddedScript("sse.stream('/s')", options: options)
        let expected: [(String, String)] = [
            ("string", "table"), ("table", "table"), ("math", "table"), ("utf8", "table"), ("coroutine", "table"),
            ("sse", "table"), ("sse.json", "table"), ("load", "function"), ("pcall", "function"),
            ("os.time", "function"), ("os.date", "function"), ("os.clock", "function"), ("os.difftime", "function"),
            ("io", "nil"), ("require", "nil"), ("debug", "nil"), ("package", "nil"), ("dofile", "nil"),
            ("loadfile", "nil"), ("os.exit", "nil"), ("os.execute", "nil"), ("os.getenv", "nil"),
            ("os.remove", "nil"), ("os.rename", "nil"), ("os.tmpname", "nil"), ("os.setlocale", "nil"),
        ]
        for (name, type) in expected {
            #expect(try script.eval("return type(\(name))") == LuaValue(stringLiteral: type), "\(name)")
        }
        #expect(try script.eval("return sse.json.encode({ a = 1 })") == #"{"a":1}"#)
        #expect(try script.eval("return load('return 1 + 1')()") == 2, "text chunks load")
        #expect(
            try script.values("return load(string.dump(function() return 1 end))")
                == [nil, "attempt to load a binary chunk (mode is 't')"], "binary chunks do not")
    }
}
