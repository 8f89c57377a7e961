import LuaRuntime

/// `sse.state`: the script's own data, carried from one VM to the next on a reload.
/// Only plain data survives (nil, booleans, numbers, strings, `sse.json.null`, and
/// tables of those); anything else is dropped with a warning naming where it was.
extension ScriptVM {
    /// A copy of `sse.state` that can move to another VM, and what had to be left behind.
    func carriedState() -> (state: LuaValue, dropped: [String]) {
        let stack = lua.stack
        let base = stack.top
        defer { stack.setTop(base) }
        stack.pushGlobals()
        guard stack.rawGet(-1, "sse") == .table else { return (.nil, []) }
        stack.rawGet(-1, "state")
        var dropped: [String] = []
        let state = Self.plain(stack.value(at: -1), path: "sse.state", dropped: &dropped)
        return (state, dropped)
    }

    /// The script's hook `name`: `sse.<name>`, else the global `<name>`; nil if
    /// neither is a function. Read raw, without copying anything.
    func hook(_ name: String) -> LuaFunction? {
        let stack = lua.stack
        let base = stack.top
        defer { stack.setTop(base) }
        stack.pushGlobals()
        if stack.rawGet(-1, "sse") == .table, stack.rawGet(-1, name) == .function { return stack.function(at: -1) }
        stack.setTop(base + 1)
        return stack.rawGet(-1, name) == .function ? stack.function(at: -1) : nil
    }

    /// Sets `sse.state` (before the script's top level runs, so it can read it).
    func restore(state: LuaValue) {
        guard case .table = state else { return }
        let stack = lua.stack
        let base = stack.top
        defer { stack.setTop(base) }
        stack.pushGlobals()
        guard stack.rawGet(-1, "sse") == .table else { return }
        stack.push(state)
        stack.rawSet(-2, "state")
    }

    private static func plain(_ value: LuaValue, path: String, dropped: inout [String]) -> LuaValue {
        switch value {
        case .function, .reference:
            dropped.append("\(path) (a \(value.type.name))")
            return .nil
        case .table(let table):
            var copy = LuaTable()
            for (index, element) in table.array.enumerated() {
                copy.array.append(plain(element, path: "\(path)[\(index + 1)]", dropped: &dropped))
            }
            for (key, element) in table.fields {
                guard key.isPlainData else {
                    dropped.append("\(path)[\(key.type.name) key]")
                    continue
                }
                let name = key.string.map { "\(path).\($0)" } ?? "\(path)[\(key)]"
                let kept = plain(element, path: name, dropped: &dropped)
                if kept != .nil { copy.fields[key] = kept }
            }
            return .table(copy)
        default:
            return value
        }
    }
}
