import CLuaShim

/// The stack of one Lua thread (the main one or a coroutine): reading, pushing
/// and raw table access. None of these operations raises a Lua error — table
/// access is raw (no metamethods) — so they are safe from Swift frames.
///
/// Indices follow Lua: 1 is the bottom, -1 the top.
public struct LuaStack {
    /// The `lua_State` of the thread.
    public let L: OpaquePointer

    public init(_ L: OpaquePointer) { self.L = L }

    /// How deep tables nest when copied into Swift (`value(at:)`): deeper ones are
    /// copied as nil, as a cycle is. The copy recurses once per level, on the
    /// thread's stack; JSON encoders stop at about this depth too (cjson: 1,000).
    public static let maxTableDepth = 200

    /// The `LuaState` this thread belongs to.
    public var state: LuaState {
        Unmanaged<LuaState>.fromOpaque(cluashim_getvm(L).pointee.owner).takeUnretainedValue()
    }

    // MARK: Size

    public var top: Int32 { lua_gettop(L) }
    public func setTop(_ index: Int32) { lua_settop(L, index) }
    public func pop(_ count: Int32 = 1) { cluashim_pop(L, count) }
    /// Removes the value at `index`, shifting those above it down.
    public func remove(_ index: Int32) { cluashim_remove(L, index) }
    public func absolute(_ index: Int32) -> Int32 { lua_absindex(L, index) }
    /// Makes room for `count` more values; false when the stack cannot grow.
    public func reserve(_ count: Int32) -> Bool { lua_checkstack(L, count) != 0 }

    // MARK: Reading

    public func type(at index: Int32) -> LuaType { LuaType(rawValue: lua_type(L, index)) ?? .none }
    public func isInteger(at index: Int32) -> Bool { lua_isinteger(L, index) != 0 }
    public func boolean(at index: Int32) -> Bool { lua_toboolean(L, index) != 0 }

    /// The integer at `index`: an integer, a float with an exact integer value, or a
    /// string that converts to one (Lua's `lua_tointegerx`).
    public func integer(at index: Int32) -> Int? {
        var ok: Int32 = 0
        let value = lua_tointegerx(L, index, &ok)
        return ok != 0 ? Int(value) : nil
    }

    /// The number at `index`, or a string that converts to one.
    public func number(at index: Int32) -> Double? {
        var ok: Int32 = 0
        let value = lua_tonumberx(L, index, &ok)
        return ok != 0 ? value : nil
    }

    /// The bytes of the string at `index`, passed to `body` without copying.
    /// Nil unless the value is a string (numbers are not converted).
    public func withBytes<R>(at index: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        let pointer = lua_tolstring(L, index, &length)
        return try body(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// The string at `index` decoded as UTF-8 (invalid sequences replaced). Nil unless a string.
    public func string(at index: Int32) -> String? {
        withBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of the string at `index`. Nil unless a string.
    public func bytes(at index: Int32) -> [UInt8]? {
        withBytes(at: index) { Array($0) }
    }

    /// A copy of the value at `index`. Tables are copied deeply; a table met again
    /// inside itself (a cycle), or nested deeper than `maxTableDepth`, is copied as `nil`.
    public func value(at index: Int32) -> LuaValue {
        var path: Set<UnsafeRawPointer> = []
        return value(at: absolute(index), path: &path)
    }

    private func value(at index: Int32, path: inout Set<UnsafeRawPointer>) -> LuaValue {
        switch type(at: index) {
        case .none, .nil:
            return .nil
        case .boolean:
            return .boolean(boolean(at: index))
        case .number:
            return isInteger(at: index) ? .integer(integer(at: index)!) : .number(lua_tonumberx(L, index, nil))
        case .string:
            return .string(LuaString(bytes: bytes(at: index)!))
        case .lightUserdata:
            return .lightUserdata(lua_touserdata(L, index))
        case .table:
            return table(at: index, path: &path)
        case .function:
            lua_pushvalue(L, index)
            return .function(LuaFunction(reference: LuaReference(state: state, popping: self)))
        case .userdata, .thread:
            lua_pushvalue(L, index)
            return .reference(LuaReference(state: state, popping: self))
        }
    }

    private func table(at index: Int32, path: inout Set<UnsafeRawPointer>) -> LuaValue {
        guard path.count < Self.maxTableDepth, let identity = lua_topointer(L, index), reserve(4),
            path.insert(identity).inserted
        else {
            return .nil
        }
        defer { path.remove(identity) }
        var table = LuaTable()
        let count = Int(lua_rawlen(L, index))
        table.array.reserveCapacity(count)
        for i in 0..<count {
            lua_rawgeti(L, index, lua_Integer(i + 1))
            table.array.append(value(at: top, path: &path))
            pop()
        }
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            let key = top - 1
            if isInteger(at: key), let i = integer(at: key), i >= 1, i <= count {
                pop()
                continue
            }
            let element = value(at: top, path: &path)
            if element != .nil { table.fields[value(at: key, path: &path)] = element }
            pop()
        }
        return .table(table)
    }

    // MARK: Pushing

    public func pushNil() { lua_pushnil(L) }
    public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    public func push(_ value: Int) { lua_pushinteger(L, lua_Integer(value)) }
    public func push(_ value: Double) { lua_pushnumber(L, value) }

    public func push(_ value: String) {
        var value = value
        value.withUTF8 { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
    }

    public func push(bytes: UnsafeRawBufferPointer) {
        _ = lua_pushlstring(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    public func push(bytes: [UInt8]) {
        bytes.withUnsafeBytes { push(bytes: $0) }
    }

    /// Pushes a Lua function that calls `body`.
    public func push(function body: @escaping LuaSwiftFunction) {
        cluashim_pushfunction(L, Unmanaged.passRetained(SwiftFunctionBox(body)).toOpaque())
    }

    /// Pushes a copy of the value at `index`.
    public func pushValue(at index: Int32) { lua_pushvalue(L, index) }

    /// Pushes `value`. Table entries whose key is nil or NaN are skipped (Lua refuses
    /// them); tables nested deeper than `maxTableDepth` are pushed as nil.
    public func push(_ value: LuaValue) {
        push(value, depth: 0)
    }

    private func push(_ value: LuaValue, depth: Int) {
        switch value {
        case .nil: pushNil()
        case .boolean(let b): push(b)
        case .integer(let i): push(i)
        case .number(let d): push(d)
        case .string(let s): push(bytes: s.bytes)
        case .lightUserdata(let pointer): lua_pushlightuserdata(L, pointer)
        case .reference(let reference): reference.push(onto: self)
        case .function(let function):
            switch function.body {
            case .swift(let body): push(function: body)
            case .lua(let reference): reference.push(onto: self)
            }
        case .table(let table):
            guard depth < Self.maxTableDepth, reserve(3) else { return pushNil() }
            lua_createtable(L, Int32(clamping: table.array.count), Int32(clamping: table.fields.count))
            for (i, element) in table.array.enumerated() {
                push(element, depth: depth + 1)
                lua_rawseti(L, -2, lua_Integer(i + 1))
            }
            for (key, element) in table.fields {
                switch key {
                case .nil: continue
                case .number(let d) where d.isNaN: continue
                default: break
                }
                push(key, depth: depth + 1)
                push(element, depth: depth + 1)
                lua_rawset(L, -3)
            }
        }
    }

    // MARK: Tables

    public func newTable(arrayCount: Int32 = 0, fieldCount: Int32 = 0) {
        lua_createtable(L, arrayCount, fieldCount)
    }

    /// Pushes `table[key]` (raw) and returns its type.
    @discardableResult
    public func rawGet(_ table: Int32, _ key: String) -> LuaType {
        let table = absolute(table)
        push(key)
        return LuaType(rawValue: lua_rawget(L, table)) ?? .none
    }

    /// `table[key] = top`, raw; pops the value.
    public func rawSet(_ table: Int32, _ key: String) {
        let table = absolute(table)
        push(key)
        lua_rotate(L, -2, 1)
        lua_rawset(L, table)
    }

    /// Sets `table[name]` to a Swift function.
    public func setFunction(_ table: Int32, _ name: String, _ body: @escaping LuaSwiftFunction) {
        let table = absolute(table)
        push(function: body)
        rawSet(table, name)
    }

    /// Table traversal (`lua_next`): pops a key, pushes the next key and its value;
    /// false (pushing nothing) after the last. Start with a nil key.
    public func next(_ table: Int32) -> Bool {
        lua_next(L, table) != 0
    }

    /// Pops the top value into the registry as `registry[name]` (how named
    /// metatables are found).
    public func setRegistry(_ name: String) {
        lua_setfield(L, cluashim_registryindex(), name)
    }

    /// Pops the top value into `package.loaded[name]`, so `require(name)` returns it.
    public func setLoaded(_ name: String) {
        lua_getfield(L, cluashim_registryindex(), LUA_LOADED_TABLE)
        lua_rotate(L, -2, 1)
        lua_setfield(L, -2, name)
        pop()
    }

    /// Pushes the global table.
    public func pushGlobals() {
        lua_rawgeti(L, cluashim_registryindex(), cluashim_ridx_globals())
    }

    // MARK: Userdata

    /// Pushes a userdata holding `id` and one user value (nil at first), whose metatable is
    /// the one registered as `metatable`.
    public func pushUserdata(id: Int, metatable: String) {
        metatable.withCString { cluashim_push_iduserdata(L, Int64(id), $0) }
    }

    /// The id of the userdata at `index` if its metatable is the one registered as `metatable`.
    ///
    /// The name goes to C through `withCString`, which lends the string's own bytes:
    /// passing the `String` as a pointer argument copies it into a new array at every
    /// call (a fifth of the instructions of `client:send` once did that).
    public func userdataID(at index: Int32, metatable: String) -> Int? {
        var ok: Int32 = 0
        let id = metatable.withCString { cluashim_to_iduserdata(L, index, $0, &ok) }
        return ok != 0 ? Int(id) : nil
    }

    /// Pushes the user value of the userdata at `index` (see `pushUserdata`).
    @discardableResult
    public func pushUserValue(at index: Int32) -> LuaType {
        LuaType(rawValue: lua_getiuservalue(L, index, 1)) ?? .none
    }

    /// Pops the top value into the user value of the userdata at `index`.
    public func setUserValue(at index: Int32) {
        let index = absolute(index)
        lua_setiuservalue(L, index, 1)
    }

    // MARK: References

    /// The function at `index`, held by reference; nil if it is not a function.
    public func function(at index: Int32) -> LuaFunction? {
        guard type(at: index) == .function else { return nil }
        pushValue(at: index)
        return LuaFunction(reference: reference())
    }

    /// Anchors the top value in the registry and pops it.
    public func reference() -> LuaReference {
        LuaReference(state: state, popping: self)
    }

    // MARK: Arguments

    /// The string argument at `position`, or a `LuaArgumentError` like `luaL_checkstring`'s
    /// (numbers are accepted and written as Lua writes them).
    public func checkString(_ position: Int32) throws(LuaArgumentError) -> String {
        if let s = string(at: position) { return s }
        if type(at: position) == .number { return numberText(at: position) }
        throw LuaArgumentError(position, "string expected, got \(typeName(at: position))")
    }

    /// The number argument at `position`, or a `LuaArgumentError`.
    public func checkNumber(_ position: Int32) throws(LuaArgumentError) -> Double {
        if let n = number(at: position) { return n }
        throw LuaArgumentError(position, "number expected, got \(typeName(at: position))")
    }

    /// The integer argument at `position`, or a `LuaArgumentError`.
    public func checkInteger(_ position: Int32) throws(LuaArgumentError) -> Int {
        if let n = integer(at: position) { return n }
        if type(at: position) == .number { throw LuaArgumentError(position, "number has no integer representation") }
        throw LuaArgumentError(position, "number expected, got \(typeName(at: position))")
    }

    /// Fails unless the argument at `position` is a function.
    public func checkFunction(_ position: Int32) throws(LuaArgumentError) {
        guard type(at: position) == .function else {
            throw LuaArgumentError(position, "function expected, got \(typeName(at: position))")
        }
    }

    /// The type name used in messages; `__name` of a userdata's metatable is not consulted.
    public func typeName(at index: Int32) -> String { type(at: index).name }

    /// A number written as Lua's `tostring` writes it (`3`, `0.5`, `1e+100`), without
    /// converting the stack slot.
    public func numberText(at index: Int32) -> String {
        lua_pushvalue(L, index)
        defer { pop() }
        return string(fromConverted: -1)
    }

    private func string(fromConverted index: Int32) -> String {
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
