import LuaRuntime
import Testing

/// What a careless or hostile script can try against the run budget and the C
/// stack: every attempt ends as a Lua error in that script, and the VM goes on.
@Suite struct HostileScriptTests {
    private func budgeted(runLimit: Duration = .milliseconds(100)) throws -> LuaState {
        try LuaState(.init(memoryLimit: 64 << 20, runLimit: runLimit))
    }

    private func failure(_ lua: LuaState, _ source: String) -> LuaError? {
        let error = #expect(throws: LuaError.self) { try lua.run(source, name: "hostile.lua") }
        #expect((try? lua.run("return 'alive'")) == ["alive"], "the VM goes on after: \(source)")
        return error
    }

    /// Regression: `debug.sethook()` removed the count hook, and the loop after it
    /// ran for ever, with the script loop (every stream) stuck behind it.
    @Test(.timeLimit(.minutes(1)))
    func theRunBudgetCannotBeSwitchedOff() throws {
        let lua = try budgeted()
        let direct = failure(lua, "debug.sethook(); while true do end")
        #expect(direct?.message.contains("debug.sethook is not available") == true, "\(direct?.message ?? "")")
        for source in [
            "pcall(debug.sethook); while true do end",
            "pcall(debug.sethook, function() end, '', 1000000); while true do end",
            "local co = coroutine.create(function() pcall(debug.sethook); while true do end end); coroutine.resume(co)",
        ] {
            #expect(failure(lua, source)?.kind == .timeout, "\(source)")
        }
    }

    /// Regression: Lua runs finalizers with hooks off, so a `__gc` that loops
    /// could never be stopped.
    @Test(.timeLimit(.minutes(1)))
    func finalizersAreRefusedSinceNoBudgetCouldStopThem() throws {
        let lua = try budgeted()
        for source in [
            "setmetatable({}, { __gc = function() while true do end end }); collectgarbage()",
            "local mt = { __gc = true }; setmetatable({}, mt); mt.__gc = function() while true do end end",
            "debug.setmetatable({}, { __gc = function() while true do end end })",
        ] {
            let error = failure(lua, source)
            #expect(error?.message.contains("__gc") == true, "\(source): \(error?.message ?? "")")
        }
        lua.collectGarbage()
        #expect(try lua.run("return getmetatable(setmetatable({}, { __index = {} })) ~= nil") == [true])
    }

    @Test func deepRecursionIsAStackOverflowError() throws {
        // Filling the whole stack takes tens of milliseconds in a debug build, more on
        // a loaded machine: the run budget is not what this checks.
        let lua = try budgeted(runLimit: .seconds(5))
        let plain = failure(lua, "local function f(n) return 1 + f(n + 1) end; return f(1)")
        #expect(plain?.message.contains("stack overflow") == true, "\(plain?.message ?? "")")
        let viaMetamethod = failure(
            lua, "local t = setmetatable({}, { __index = function(t, k) return t[k] end }); return t.x")
        #expect(viaMetamethod?.message.contains("stack overflow") == true, "\(viaMetamethod?.message ?? "")")
        let viaC = failure(lua, "local f; f = function() return (string.gsub('x', 'x', f)) end; return f()")
        #expect(viaC?.message.contains("stack overflow") == true, "\(viaC?.message ?? "")")
    }

    @Test func runawayFormatWidthsAreErrors() throws {
        let lua = try budgeted()
        for format in ["%99999d", "%.99999f", "%1000000000s", "%-99999999999x"] {
            let error = failure(lua, "return string.format('\(format)', 1)")
            #expect(error?.message.contains("invalid conversion") == true, "\(format): \(error?.message ?? "")")
        }
        #expect(try lua.run("return #string.format('%99.99f', 1e308) > 400") == [true], "the widest allowed")
        let huge = failure(lua, "return string.rep('x', 1 << 40)")
        #expect(huge?.kind == .memory || huge?.message.contains("too large") == true, "\(huge?.message ?? "")")
    }

    @Test func metamethodLoopsAreErrors() throws {
        let lua = try budgeted()
        let chain = failure(
            lua, "local a, b = {}, {}; setmetatable(a, { __index = b }); setmetatable(b, { __index = a }); return a.x")
        #expect(chain?.message.contains("'__index' chain too long") == true, "\(chain?.message ?? "")")
        let store = failure(
            lua,
            "local a, b = {}, {}; setmetatable(a, { __newindex = b }); setmetatable(b, { __newindex = a }); a.x = 1")
        #expect(store?.message.contains("'__newindex' chain too long") == true, "\(store?.message ?? "")")
        let compare = failure(
            lua,
            "local mt = {}; mt.__lt = function(a, b) return a < b end; return setmetatable({}, mt) < setmetatable({}, mt)"
        )
        #expect(compare?.message.contains("stack overflow") == true, "\(compare?.message ?? "")")
        let text = failure(
            lua, "local t = setmetatable({}, { __tostring = function(t) return tostring(t) end }); return tostring(t)")
        #expect(text?.message.contains("stack overflow") == true, "\(text?.message ?? "")")
    }
}
