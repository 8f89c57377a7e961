// What keeps the run budget in force whatever the script does. The budget is a
// count hook; two things in the standard libraries could take it away:
//
// - `debug.sethook` replaces or removes a thread's hook. Re-arming the hook at
//   every resume would not be enough (a loop right after `debug.sethook()` runs
//   in the same resume), and chaining a script's hook with ours would let it set
//   counts and masks that change what the budget costs; `debug.sethook` is
//   refused instead. `cluashim_arm_budget` still re-installs the hook when it
//   finds another one, should a C module have set it.
// - Lua runs finalizers (`__gc`) with hooks off (lgc.c, GCTM), so a finalizer
//   that loops could never be stopped: `setmetatable` and `debug.setmetatable`
//   refuse a metatable with a `__gc` field, which is the only way a script can
//   mark an object for finalization (Lua looks for `__gc` when the metatable is set).
#include "CLuaShim.h"

static int refused_sethook(lua_State *L) {
    return luaL_error(L, "debug.sethook is not available: the run budget (--script-timeout) uses the hook");
}

/// setmetatable or debug.setmetatable (upvalue 1), unless the metatable has `__gc`.
static int setmetatable_without_gc(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int has_gc = lua_rawget(L, 2) != LUA_TNIL;
        lua_pop(L, 1);
        if (has_gc) {
            return luaL_error(L, "__gc is not available: Lua runs finalizers where the run budget cannot stop them");
        }
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/// Replaces `table[name]` (if it is a function) with `setmetatable_without_gc` around it.
static void guard_setmetatable(lua_State *L, int table, const char *name) {
    table = lua_absindex(L, table);
    if (lua_getfield(L, table, name) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcclosure(L, setmetatable_without_gc, 1);
    lua_setfield(L, table, name);
}

void cluashim_install_budget_guards(lua_State *L) {
    lua_pushglobaltable(L);
    guard_setmetatable(L, -1, "setmetatable");
    lua_pop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, LUA_DBLIBNAME) == LUA_TTABLE) {  // the same table as the global `debug`
        lua_pushcfunction(L, refused_sethook);
        lua_setfield(L, -2, "sethook");
        guard_setmetatable(L, -1, "setmetatable");
    }
    lua_pop(L, 2);
}
