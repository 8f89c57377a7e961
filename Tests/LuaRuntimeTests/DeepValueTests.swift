import LuaRuntime
import Testing

/// Values from a script may nest as deep as Lua's memory allows; copying them
/// into Swift (a reload's `sse.state`, a call's results) must not follow them
/// all the way down on the thread's stack.
@Suite struct DeepValueTests {
    /// Regression: a table nested 200,000 deep, read into Swift, overflowed the
    /// thread's stack and crashed the server (one recursion per level).
    @Test func aTableNestedTooDeepIsCutAtTheDepthLimit() throws {
        let lua = try LuaState(.init(memoryLimit: 256 << 20, runLimit: .seconds(5)))
        let values = try lua.run("local t = {} for i = 1, 200000 do t = { t } end return t")
        var depth = 0
        var value = values.first ?? .nil
        while case .table(let table) = value {
            depth += 1
            value = table.array.first ?? .nil
        }
        #expect(depth == LuaStack.maxTableDepth, "copied to the limit, deeper levels as nil")
        lua.setGlobal("copy", values[0])
        #expect(
            try lua.run("local n, t = 0, copy while type(t) == 'table' do n = n + 1; t = t[1] end return n") == [
                .integer(LuaStack.maxTableDepth)
            ])
    }
}
