import LuaRuntime
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The run budget and the memory cap stop a script, never the process.
@Suite struct LimitTests {
    @Test func endlessLoopIsStoppedByTheBudget() throws {
        let lua = try LuaState(.init(runLimit: .milliseconds(50)))
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: LuaError.self) { try lua.run("while true do end", name: "spin.lua") }
        #expect(error?.kind == .timeout)
        #expect(error?.message == "spin.lua:1: ran too long without yielding (over 50 ms)")
        #expect(clock.now - start < .seconds(2))
        // The VM is still usable, with a fresh budget.
        #expect(try lua.run("local n = 0; for i = 1, 1000 do n = n + i end; return n") == [500500])
    }

    @Test func theBudgetCountsWorkNotWaiting() throws {
        // Blocked (a slow system call, a busy machine), a script uses no CPU time.
        let lua = try LuaState(.init(runLimit: .milliseconds(50)))
        lua.register("block") { _ in
            usleep(120_000)
            return .none
        }
        #expect(try lua.run("block(); local n = 0; for i = 1, 100000 do n = n + i end; return n") == [5_000_050_000])
    }

    @Test func pcallInTheScriptCannotSwallowTheStop() throws {
        let lua = try LuaState(.init(runLimit: .milliseconds(30)))
        let error = #expect(throws: LuaError.self) {
            try lua.run(
                """
                while true do
                  pcall(function() while true do end end)
                  xpcall(function() while true do end end, function(e) return e end)
                  local co = coroutine.wrap(function() while true do end end)
                  pcall(co)
                end
                """, name: "stubborn.lua")
        }
        #expect(error?.kind == .timeout)
    }

    @Test func budgetIsPerResumeOfACoroutine() throws {
        let lua = try LuaState(.init(runLimit: .milliseconds(40)))
        lua.register("pause") { _ in .hostYield }
        guard
            case .function(let body) = try lua.run(
                """
                return function()
                  for round = 1, 5 do
                    local t = os.clock() + 0.02            -- 20 ms of work, under the 40 ms budget
                    while os.clock() < t do end
                    pause()
                  end
                  while true do end                        -- then over it
                end
                """, name: "rounds.lua")[0]
        else {
            Issue.record("not a function")
            return
        }
        let co = LuaCoroutine(body, in: lua)
        for _ in 1...5 {
            guard case .hostYield = co.resume() else {
                Issue.record("round did not complete")
                return
            }
        }
        guard case .failed(let error) = co.resume() else {
            Issue.record("spin was not stopped")
            return
        }
        #expect(error.kind == .timeout)
        #expect(error.message.contains("rounds.lua:7: ran too long without yielding"))
    }

    @Test func memoryBombIsStoppedByTheCapAndMemoryComesBack() throws {
        let lua = try LuaState(.init(memoryLimit: 8 << 20))
        let before = lua.memoryInUse
        let error = #expect(throws: LuaError.self) {
            try lua.run("local t = {} ; local i = 0; while true do i = i + 1; t[i] = string.rep('x', 64) .. i end")
        }
        #expect(error?.kind == .memory)
        #expect(error?.message == "not enough memory")
        #expect(lua.peakMemory <= 8 << 20)
        lua.collectGarbage()
        #expect(lua.memoryInUse < before + 256 << 10)  // the 8 MiB are back, bar the string table's slack
        #expect(try lua.run("return 1 + 1") == [2])
    }

    @Test func memoryErrorInsideACoroutineFailsOnlyThatCoroutine() throws {
        let lua = try LuaState(.init(memoryLimit: 4 << 20))
        guard
            case .function(let bomb) = try lua.run("return function() local s = 'x'; while true do s = s .. s end end")[
                0]
        else { return }
        guard case .failed(let error) = LuaCoroutine(bomb, in: lua).resume() else {
            Issue.record("no failure")
            return
        }
        #expect(error.kind == .memory)
        #expect(try lua.run("return 'alive'") == ["alive"])
    }

    @Test func hostMayAllocatePastTheCapWithoutRaising() throws {
        let lua = try LuaState(.init(memoryLimit: 1 << 20))
        // Outside script code the cap does not apply: the host never gets a Lua error.
        lua.setGlobal("big", .string(LuaString(bytes: Array(repeating: 65, count: 2 << 20))))
        #expect(lua.memoryInUse > 1 << 20)
        let error = #expect(throws: LuaError.self) { try lua.run("local copy = big .. 'more'") }
        #expect(error?.kind == .memory)
    }
}
