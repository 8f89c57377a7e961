import LuaRuntime
import Testing

/// Coroutines driven from Swift, host yields, and the script's own coroutines.
@Suite struct CoroutineTests {
    let lua = try! LuaState()

    func function(_ source: String) throws -> LuaFunction {
        guard case .function(let f) = try lua.run(source, name: "co.lua")[0] else { fatalError() }
        return f
    }

    @Test func yieldsToSwiftAndIsResumedWithValues() throws {
        let co = LuaCoroutine(
            try function(
                """
                return function(a)
                  local b = coroutine.yield(a + 1, "first")
                  local c = coroutine.yield(b * 2)
                  return "done", a + b + c
                end
                """), in: lua)
        guard case .yielded(let first) = co.resume(10) else {
            Issue.record("no first yield")
            return
        }
        #expect(first == [11, "first"])
        guard case .yielded(let second) = co.resume(5) else {
            Issue.record("no second yield")
            return
        }
        #expect(second == [10])
        guard case .finished(let results) = co.resume(100) else {
            Issue.record("did not finish")
            return
        }
        #expect(results == ["done", 115])
        #expect(!co.isSuspended)
    }

    @Test func failureCarriesTracebackOfTheCoroutine() throws {
        let co = LuaCoroutine(
            try function(
                """
                return function()
                  coroutine.yield()
                  error("boom")
                end
                """), in: lua)
        _ = co.resume()
        guard case .failed(let error) = co.resume() else {
            Issue.record("expected failure")
            return
        }
        #expect(error.message == "co.lua:3: boom")
        #expect(error.traceback?.contains("co.lua:3") == true)
    }

    @Test func hostYieldPassesThroughTheScriptsOwnCoroutines() throws {
        var sleeps = 0
        lua.register("sleep") { _ in
            sleeps += 1
            return .hostYield
        }
        let co = LuaCoroutine(
            try function(
                """
                return function()
                  local gen = coroutine.wrap(function()
                    for i = 1, 3 do
                      local answer = sleep()          -- reaches the host, not the generator's caller
                      coroutine.yield(i * 10 + answer)
                    end
                  end)
                  local sum = 0
                  for _ = 1, 3 do sum = sum + gen() end
                  local co = coroutine.create(function() sleep(); return "inner done" end)
                  local ok, v = coroutine.resume(co)
                  return sum, ok, v
                end
                """), in: lua)
        var outcome = co.resume()
        var answers = 0
        while case .hostYield = outcome {
            answers += 1
            outcome = co.resume(.integer(answers))
        }
        guard case .finished(let results) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        // 10+1 + 20+2 + 30+3, then the inner coroutine's host yield
        #expect(results == [66, true, "inner done"])
        #expect(sleeps == 4)
    }

    @Test func scriptCoroutinesWithoutHostYieldsBehaveAsUsual() throws {
        let results = try lua.run(
            """
            local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
            local a, b, c = gen(), gen(), gen()
            local co = coroutine.create(function(x) local y = coroutine.yield(x + 1); error("bad " .. y) end)
            local ok1, v1 = coroutine.resume(co, 1)
            local ok2, v2 = coroutine.resume(co, "y")
            local wrapped = coroutine.wrap(function() error("wrapped") end)
            local ok3, v3 = pcall(wrapped)
            return a, b, c, ok1, v1, ok2, v2, ok3, v3
            """, name: "co.lua")
        #expect(results == [1, 2, 3, true, 2, false, "co.lua:3: bad y", false, "co.lua:6: wrapped"])
    }

    @Test func closingASuspendedCoroutineRunsItsCloseHandlers() throws {
        let co = LuaCoroutine(
            try function(
                """
                closed = false
                return function()
                  local guard <close> = setmetatable({}, { __close = function() closed = true end })
                  coroutine.yield()
                end
                """), in: lua)
        _ = co.resume()
        co.close()
        #expect(lua.global("closed") == true)
    }
}
