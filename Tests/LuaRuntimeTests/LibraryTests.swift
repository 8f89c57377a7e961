import Foundation
import LuaRuntime
import Testing

/// Libraries, `require` and the sandbox.
@Suite struct LibraryTests {
    @Test func cjsonFromDebianEncodesATable() throws {
        let lua = try LuaState()
        let result = try lua.run(
            """
            local cjson = require "cjson"
            return cjson.encode({ 1, 2, 3 }), cjson.encode({ event = "tick" }), cjson.decode('{"a":[1,2]}').a[2]
            """)
        #expect(result == ["[1,2,3]", #"{"event":"tick"}"#, .number(2)])  // cjson 2.1 decodes numbers as floats
    }

    @Test func requireFindsModulesBesideTheScript() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lua-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "return { greeting = 'hello from helper' }".write(
            to: directory.appendingPathComponent("helper.lua"), atomically: true, encoding: .utf8)
        try "return require('helper').greeting".write(
            to: directory.appendingPathComponent("main.lua"), atomically: true, encoding: .utf8)
        let lua = try LuaState(.init(searchPaths: [directory.path]))
        #expect(try lua.run(file: directory.appendingPathComponent("main.lua").path) == ["hello from helper"])
    }

    @Test func sandboxOpensOnlyTheSafeLibraries() throws {
        let lua = try LuaState(.init(libraries: .sandbox))
        let result = try lua.run(
            """
            return type(io), type(require), type(os.exit), type(os.execute), type(dofile), type(loadfile),
                   type(os.time), type(string.format), type(utf8.char), type(coroutine.wrap), type(debug)
            """)
        #expect(
            result == ["nil", "nil", "nil", "nil", "nil", "nil", "function", "function", "function", "function", "nil"])
        let binary = try lua.run("return load(string.dump(function() return 1 end))")
        #expect(binary.first == .nil)  // binary chunks are refused
        #expect(try lua.run("return load('return 6 * 7')()") == [42])
    }
}
