import LuaRuntime
import Testing

/// Swift closures as Lua functions: arguments, results, errors.
@Suite struct FunctionTests {
    let lua = try! LuaState()

    @Test func closureTakesArgumentsAndReturnsResults() throws {
        lua.register("add") { stack in
            let a = try stack.checkInteger(1)
            let b = try stack.checkInteger(2)
            stack.push(a + b)
            stack.push("sum")
            return .values(2)
        }
        #expect(try lua.run("return add(2, 40)") == [42, "sum"])
    }

    @Test func thrownErrorIsALuaErrorThatPcallCatches() throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "refused" } }
        lua.register("fail") { _ in throw Refused() }
        let result = try lua.run(
            """
            local ok, err = pcall(function() fail() end)
            return ok, err
            """, name: "caller.lua")
        #expect(result == [false, "caller.lua:1: refused"])
    }

    @Test func argumentErrorsReadLikeLuas() throws {
        lua.register("want") { stack in
            _ = try stack.checkString(1)
            return .none
        }
        let result = try lua.run("return pcall(want, {})", name: "args.lua")
        // Called by pcall itself there is no Lua caller to name it, as in stock Lua's C functions.
        #expect(result == [false, "bad argument #1 to '?' (string expected, got table)"])
        let positioned = try lua.run("return pcall(function() want(nil) end)", name: "args.lua")
        #expect(positioned == [false, "args.lua:1: bad argument #1 to 'want' (string expected, got nil)"])
    }

    @Test func errorEscapingToTheHostCarriesLineAndTraceback() throws {
        let error = #expect(throws: LuaError.self) {
            try lua.run(
                """
                local function inner()
                  local t = nil
                  return t.field
                end
                local function outer() return inner() + 1 end
                outer()
                """, name: "clock.lua")
        }
        #expect(error?.kind == .runtime)
        #expect(error?.message.hasPrefix("clock.lua:3: attempt to index a nil value") == true)
        #expect(error?.traceback?.contains("stack traceback:") == true)
        #expect(error?.traceback?.contains("clock.lua:3: in") == true)
        #expect(error?.traceback?.contains("clock.lua:6: in main chunk") == true)
    }

    @Test func syntaxErrorNamesFileAndLine() throws {
        let error = #expect(throws: LuaError.self) { try lua.load("x = = 1", name: "broken.lua") }
        #expect(error?.kind == .syntax)
        #expect(error?.message.hasPrefix("broken.lua:1:") == true)
    }

    @Test func missingFileIsAFileError() throws {
        let error = #expect(throws: LuaError.self) { try lua.load(file: "/nonexistent/x.lua") }
        #expect(error?.kind == .file)
        #expect(error?.message.contains("/nonexistent/x.lua") == true)
    }

    @Test func nonStringErrorObjectsAreDescribed() throws {
        let error = #expect(throws: LuaError.self) { try lua.run("error({ code = 1 })") }
        #expect(error?.message == "(error object is a table value)")
        let tostring = #expect(throws: LuaError.self) {
            try lua.run("error(setmetatable({}, { __tostring = function() return 'custom' end }))")
        }
        #expect(tostring?.message == "custom")
    }

    @Test func luaFunctionsCanBeCalledFromSwift() throws {
        let values = try lua.run("return function(a, b) return a .. b, select('#', a, b) end")
        guard case .function(let concat) = values[0] else {
            Issue.record("not a function")
            return
        }
        #expect(try lua.call(concat, "tick", "tock") == ["ticktock", 2])
    }

    @Test func swiftFunctionsAreReleasedWhenCollected() throws {
        final class Token {}
        weak var weakToken: Token?
        do {
            let token = Token()
            weakToken = token
            lua.stack.push(function: { _ in
                _ = token
                return .none
            })
            lua.stack.pop()
        }
        lua.collectGarbage()
        #expect(weakToken == nil)
    }
}
