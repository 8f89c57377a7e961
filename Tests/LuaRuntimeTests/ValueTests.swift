import LuaRuntime
import Testing

/// Values cross the boundary both ways without losing what Lua distinguishes.
@Suite struct ValueTests {
    let lua = try! LuaState()

    /// Sets a global to `value`, then reads it back through Lua code that returns it.
    func roundTrip(_ value: LuaValue) throws -> LuaValue {
        lua.setGlobal("v", value)
        return try lua.run("return v").first ?? .nil
    }

    @Test func scalarsKeepTheirSubtype() throws {
        #expect(try roundTrip(.integer(42)) == .integer(42))
        #expect(try roundTrip(.number(42)) == .number(42))
        #expect(try roundTrip(.integer(.min)) == .integer(.min))
        #expect(try roundTrip(.number(0.5)) == .number(0.5))
        #expect(try roundTrip(true) == true)
        #expect(try roundTrip(nil) == nil)
        lua.setGlobal("v", .number(3))
        #expect(try lua.run("return math.type(v), v") == ["float", .number(3)])
        lua.setGlobal("v", .integer(3))
        #expect(try lua.run("return math.type(v), v // 2") == ["integer", .integer(1)])
    }

    @Test func stringsAreBytes() throws {
        let bytes: [UInt8] = [0x61, 0x00, 0x62, 0xFF, 0xFE, 0x0A]
        #expect(try roundTrip(.string(LuaString(bytes: bytes))) == .string(LuaString(bytes: bytes)))
        lua.setGlobal("v", .string(LuaString(bytes: bytes)))
        #expect(try lua.run("return #v, v:byte(2), v:byte(4)") == [6, 0, 255])
        #expect(try lua.run(#"return "x\0y\255""#) == [.string(LuaString(bytes: [0x78, 0, 0x79, 0xFF]))])
        #expect(try roundTrip("héllo ✓") == "héllo ✓")
    }

    @Test func nestedTablesRoundTrip() throws {
        let value: LuaValue = [
            "name": "clock", "n": 3, "ratio": 0.25, "flags": [true, false],
            "nested": ["list": [1, 2, ["deep": "yes"]], 7: "seven", 1.5: "float key"],
        ]
        #expect(try roundTrip(value) == value)
        lua.setGlobal("v", value)
        #expect(
            try lua.run("return v.nested.list[3].deep, #v.flags, v.nested[7], v.nested[1.5]") == [
                "yes", 2, "seven", "float key",
            ])
    }

    @Test func arrayAndMapPartsComeBackApart() throws {
        let read = try lua.run("return { 10, 20, 30, x = 1, [10] = 'far' }")[0]
        guard case .table(let table) = read else {
            Issue.record("not a table: \(read)")
            return
        }
        #expect(table.array == [10, 20, 30])
        #expect(table.fields == ["x": 1, 10: "far"])
        #expect(table[2] == 20 && table[10] == "far" && table["missing"] == nil)
    }

    @Test func cyclesAreCutNotFollowed() throws {
        let read = try lua.run("local t = { name = 'loop' }; t.self = t; return t")[0]
        #expect(read == ["name": "loop"])
    }

    @Test func functionsAndUserdataAreReferences() throws {
        let values = try lua.run("return print, io.stdout, coroutine.create(print)")
        #expect(values.map(\.type) == [.function, .userdata, .thread])
        #expect(!values[0].isPlainData)
        lua.setGlobal("f", values[0])
        #expect(try lua.run("return f == print") == [true])
    }

    @Test func lightUserdataIsPlainData() throws {
        let null = try lua.run("return require('cjson').null")[0]
        #expect(null.type == .lightUserdata && null.isPlainData)
        #expect(try roundTrip(null) == null)
    }
}
