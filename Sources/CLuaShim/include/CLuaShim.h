// The C side of the Swift/Lua boundary.
//
// Swift cannot import Lua's function-like macros, and it must never be unwound
// by Lua's error longjmp. This header gives Swift:
//   - `static inline` wrappers for the macros it needs;
//   - `cluashim_vm`, the per-VM accounting behind the memory cap and the run budget;
//   - the trampoline: every Swift function seen by Lua is one C closure that calls
//     the VM's dispatcher and, back in C, raises or yields when Swift asks it to.
#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

// MARK: - Per-VM accounting

/// A Swift function exposed to Lua. It reads its arguments from `L`, pushes its
/// results and returns their count (>= 0), `CLUASHIM_RAISE` (the error value is on
/// top of the stack) or `cluashim_yield_code(n)` (yield the top `n` values).
typedef int (*cluashim_dispatch)(lua_State *L, void *context);
/// Called when Lua collects a Swift function, to release its `context`.
typedef void (*cluashim_release)(void *context);

#define CLUASHIM_RAISE (-1)
#define CLUASHIM_YIELD_BASE (-2)
static inline int cluashim_yield_code(int nresults) { return CLUASHIM_YIELD_BASE - nresults; }

typedef struct cluashim_vm {
    size_t used;           ///< bytes allocated by this VM now
    size_t peak;           ///< most bytes ever allocated at once
    size_t limit;          ///< cap in bytes; 0 = none
    int enforcing;         ///< 1 while script code runs: only then does the cap apply
    int64_t budget_ns;     ///< CPU time a run may use without yielding; 0 = no run budget armed
    int64_t cpu_start_ns;  ///< the thread's CPU time at the hook's first look in this run; -1 before
    int64_t check_at_ns;   ///< CLOCK_MONOTONIC time of the next look at the CPU time
    int expired;           ///< the budget ran out: every hook and pcall re-raises until the next arm
    int budget_enabled;    ///< the count hook is installed
    cluashim_dispatch dispatch;
    cluashim_release release;
    void *owner;           ///< the host object that owns this VM (unretained)
} cluashim_vm;

/// A new state whose allocations are accounted in a fresh `cluashim_vm`
/// (`limit` bytes, 0 = no cap). NULL when out of memory.
lua_State *cluashim_newstate(size_t limit, cluashim_dispatch dispatch, cluashim_release release);
/// Closes the state and frees its accounting.
void cluashim_close(lua_State *L);
/// The accounting of the VM that `L` (any of its threads) belongs to.
cluashim_vm *cluashim_getvm(lua_State *L);

/// Installs the count hook on `L` (main thread; new threads inherit it), and the
/// guards that keep a script from taking it away (`cluashim_install_budget_guards`).
void cluashim_enable_budget(lua_State *L);
/// Refuses `debug.sethook`, and `setmetatable`/`debug.setmetatable` with a metatable
/// that has `__gc` (Lua runs finalizers with hooks off). See guards.c.
void cluashim_install_budget_guards(lua_State *L);
/// Arms the run budget for a run of `L`: `budget_ns` nanoseconds of this
/// thread's CPU time. Also re-arms the hook count of `L`, which a previous expiry
/// may have shortened.
void cluashim_arm_budget(lua_State *L, int64_t budget_ns);
/// Disarms the budget (no deadline).
void cluashim_disarm_budget(lua_State *L);

/// Sets `enforcing` and returns its previous value.
static inline int cluashim_set_enforcing(lua_State *L, int enforcing) {
    cluashim_vm *vm = cluashim_getvm(L);
    int old = vm->enforcing;
    vm->enforcing = enforcing;
    return old;
}

// MARK: - Swift functions, errors, yields

/// Pushes a Lua function that calls the VM's dispatcher with `context`.
/// When Lua collects it, the VM's release callback gets `context`.
void cluashim_pushfunction(lua_State *L, void *context);

/// The marker a host yield carries. A script's own coroutines pass it up.
void *cluashim_hostyield_marker(void);

/// The message handler for host pcalls: returns the error as a string and stores a
/// traceback where `cluashim_take_traceback` finds it.
int cluashim_msghandler(lua_State *L);
/// Pushes the traceback stored by the last failed protected call (or nil).
void cluashim_take_traceback(lua_State *L);

/// Pushes "where: message" where `where` is the current Lua position ("file.lua:12: ").
void cluashim_push_error(lua_State *L, const char *message);
/// Pushes the message luaL_argerror would raise, without raising it.
void cluashim_push_argerror(lua_State *L, int arg, const char *extramsg);

/// Replaces `pcall`, `xpcall` and `coroutine.resume` with versions that re-raise
/// once the run budget has expired, so a script cannot catch its stop.
void cluashim_install_pcall(lua_State *L);

/// Opens the libraries of a sandbox: base (without dofile, loadfile, load of
/// binary chunks), string, table, math, utf8, coroutine and `os` with time, date, clock.
void cluashim_open_safe_libs(lua_State *L);

/// Loads module `name` into `package.loaded`, opening the package library (and
/// with it the global `require`) if needed. Returns 0 if it cannot be loaded.
int cluashim_preload(lua_State *L, const char *name);

/// Pushes a full userdata holding `id` and one user value, with the metatable registered as `tname`.
void cluashim_push_iduserdata(lua_State *L, int64_t id, const char *tname);
/// The id inside the userdata at `idx` if it has metatable `tname`; else 0 and *ok = 0.
int64_t cluashim_to_iduserdata(lua_State *L, int idx, const char *tname, int *ok);

// MARK: - Macro wrappers

static inline int cluashim_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int cluashim_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int cluashim_multret(void) { return LUA_MULTRET; }
static inline lua_Integer cluashim_ridx_globals(void) { return LUA_RIDX_GLOBALS; }
static inline lua_Integer cluashim_ridx_mainthread(void) { return LUA_RIDX_MAINTHREAD; }
static inline int cluashim_noref(void) { return LUA_NOREF; }

static inline void cluashim_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void cluashim_newtable(lua_State *L) { lua_newtable(L); }
static inline void cluashim_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
static inline void cluashim_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline void cluashim_insert(lua_State *L, int idx) { lua_insert(L, idx); }
static inline void cluashim_remove(lua_State *L, int idx) { lua_remove(L, idx); }
static inline void cluashim_replace(lua_State *L, int idx) { lua_replace(L, idx); }
static inline int cluashim_isnoneornil(lua_State *L, int idx) { return lua_isnoneornil(L, idx); }
static inline int cluashim_isnil(lua_State *L, int idx) { return lua_isnil(L, idx); }
static inline int cluashim_isfunction(lua_State *L, int idx) { return lua_isfunction(L, idx); }
static inline int cluashim_istable(lua_State *L, int idx) { return lua_istable(L, idx); }
static inline const char *cluashim_tostring(lua_State *L, int idx) { return lua_tostring(L, idx); }
static inline lua_Number cluashim_tonumber(lua_State *L, int idx) { return lua_tonumber(L, idx); }
static inline lua_Integer cluashim_tointeger(lua_State *L, int idx) { return lua_tointeger(L, idx); }
static inline int cluashim_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline void cluashim_call(lua_State *L, int nargs, int nresults) { lua_call(L, nargs, nresults); }
static inline int cluashim_getmetatable_named(lua_State *L, const char *tname) {
    return luaL_getmetatable(L, tname);
}
static inline void cluashim_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
static inline int cluashim_loadbuffer(lua_State *L, const char *buff, size_t sz, const char *name) {
    return luaL_loadbufferx(L, buff, sz, name, "t");
}
static inline int cluashim_loadfile(lua_State *L, const char *filename) {
    return luaL_loadfilex(L, filename, "t");
}

#endif
