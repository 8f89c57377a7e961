import CLuaShim

/// A Lua value anchored in the VM's registry (`luaL_ref`), so that Swift can hold
/// it across calls. The anchor is released when the reference is released or
/// deinitialised, whichever comes first; after the VM is closed it is inert.
public final class LuaReference: Hashable {
    let state: LuaState
    private(set) var ref: Int32
    /// The type of the value held.
    public let type: LuaType

    /// Anchors the value on top of `stack` and pops it.
    init(state: LuaState, popping stack: LuaStack) {
        self.state = state
        self.type = stack.type(at: -1)
        self.ref = luaL_ref(stack.L, cluashim_registryindex())
    }

    /// Pushes the value held onto `stack`.
    public func push(onto stack: LuaStack) {
        precondition(ref != LUA_NOREF && !state.isClosed, "pushing a released Lua reference")
        lua_rawgeti(stack.L, cluashim_registryindex(), lua_Integer(ref))
    }

    /// Drops the anchor now. Releasing twice is harmless.
    public func release() {
        guard ref != LUA_NOREF else { return }
        if !state.isClosed { luaL_unref(state.handle, cluashim_registryindex(), ref) }
        ref = LUA_NOREF
    }

    deinit { release() }

    public static func == (a: LuaReference, b: LuaReference) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

@available(*, unavailable)
extension LuaReference: Sendable {}
