// libFuzzer target: Lua values crossing the bridge, both ways. An input whose
// first byte is even describes a value (see `decode`), pushed into Lua and read
// back twice; an odd one is a script, run in a sandbox under a run budget and a
// memory cap, whose results are read, pushed back and read again. The two reads
// must agree (cycles and what nests too deep come back as nil); a crash or a
// difference is a finding.

import CFuzzerDriver
import LuaRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a value from `bytes` at `index`: nil, booleans, integers, floats, strings,
/// tables of those, and chains of tables nested up to 1,000 deep.
private func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, depth: Int = 0) -> LuaValue {
    func next() -> UInt8 {
        defer { index += 1 }
        return index < bytes.count ? bytes[index] : 0
    }
    func word() -> UInt64 { (0..<8).reduce(0) { value, _ in value << 8 | UInt64(next()) } }
    guard index < bytes.count, depth < 300 else { return .nil }
    switch next() % 8 {
    case 0: return .nil
    case 1: return .boolean(next() & 1 == 0)
    case 2: return .integer(Int(truncatingIfNeeded: word()))
    case 3: return .number(Double(bitPattern: word()))
    case 4:
        let count = Int(next())
        return .string(LuaString(bytes: (0..<count).map { _ in next() }))
    case 5, 6:
        var table = LuaTable()
        for _ in 0..<Int(next() % 8) { table.array.append(decode(bytes, &index, depth: depth + 1)) }
        for _ in 0..<Int(next() % 8) {
            let key = decode(bytes, &index, depth: depth + 1)
            table.fields[key] = decode(bytes, &index, depth: depth + 1)
        }
        return .table(table)
    default:
        var chain = LuaValue.string("bottom")
        for _ in 0..<(Int(next()) << 2 | 3) { chain = .table(LuaTable(array: [chain])) }
        return chain
    }
}

/// `value` as one dictionary per table (where Lua's border falls does not
/// matter), NaN as a marker (it equals nothing, not even itself), and what is
/// held by reference as its type.
private func normalized(_ value: LuaValue) -> LuaValue {
    switch value {
    case .number(let number) where number.isNaN: return "NaN"
    case .function, .reference, .lightUserdata: return .string(LuaString(value.type.name))
    case .table(let table):
        var fields: [LuaValue: LuaValue] = [:]
        for (index, element) in table.array.enumerated() where element != .nil {
            fields[.integer(index + 1)] = normalized(element)
        }
        for (key, element) in table.fields { fields[normalized(key)] = normalized(element) }
        return .table(LuaTable(fields: fields))
    default: return value
    }
}

// libFuzzer calls `fuzzOne` on the main thread, one input at a time.
nonisolated(unsafe) private let sharedState = try! LuaState(.init(memoryLimit: 64 << 20, runLimit: .milliseconds(50)))

/// Pushes `value` into `lua` and reads it back through Lua.
private func roundTrip(_ value: LuaValue, in lua: LuaState) -> LuaValue {
    lua.setGlobal("v", value)
    let back = (try? lua.run("return v", name: "read back").first) ?? .nil
    lua.setGlobal("v", nil)
    return back
}

/// The shape of a value, for libFuzzer's guidance: its type, and its tables' depth and size.
private func observe(_ value: LuaValue, depth: UInt64 = 0) {
    cfuzzer_observe(depth << 8 | UInt64(value.type.rawValue + 1))
    guard case .table(let table) = value, depth < 8 else { return }
    cfuzzer_observe(0x1000 | depth << 8 | UInt64(min(table.array.count, 15)) << 4 | UInt64(min(table.fields.count, 15)))
    for element in table.array.prefix(4) { observe(element, depth: depth + 1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let mode = bytes.first else { return 0 }
    var values: [LuaValue] = []
    let lua: LuaState
    if mode & 1 == 0 {
        lua = sharedState
        var index = 1
        values = [roundTrip(decode(bytes, &index), in: lua)]
    } else {
        guard
            let sandbox = try? LuaState(.init(memoryLimit: 16 << 20, runLimit: .milliseconds(20), libraries: .sandbox))
        else { return 0 }
        lua = sandbox
        let source = String(decoding: UnsafeBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
        values = (try? lua.run(source, name: "fuzz")) ?? []
    }
    for value in values {
        observe(value)
        let again = roundTrip(value, in: lua)
        precondition(normalized(again) == normalized(value), "\(value) read back as \(again)")
        _ = value.isPlainData
        _ = Set([normalized(value)])
    }
    lua.collectGarbage()
    return 0
}

exit(cfuzzer_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzOne))
