// Everything on the Lua side of the boundary that may raise or yield lives here,
// so that Lua's longjmp never crosses a Swift frame.
#include "CLuaShim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(LUA_EXTRASPACE >= sizeof(void *), "the VM accounting pointer must fit in Lua's extra space");

/// How many VM instructions run between two looks at the clock.
#define BUDGET_HOOK_COUNT 1000

static char traceback_key;
static char hostyield_marker;
static const char *const function_tname = "cluashim.function";

cluashim_vm *cluashim_getvm(lua_State *L) { return *(cluashim_vm **)lua_getextraspace(L); }

static int64_t clock_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// MARK: - Allocation under a cap

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    cluashim_vm *vm = ud;
    size_t old = ptr ? osize : 0;  // without ptr, osize is a type tag
    if (nsize == 0) {
        free(ptr);
        vm->used -= old;
        return NULL;
    }
    if (vm->limit && vm->enforcing && nsize > old && vm->used - old + nsize > vm->limit) {
        return NULL;  // Lua raises "not enough memory"
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) return NULL;
    vm->used = vm->used - old + nsize;
    if (vm->used > vm->peak) vm->peak = vm->used;
    return p;
}

static int panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "ssescript: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    fflush(stderr);
    return 0;  // Lua aborts
}

lua_State *cluashim_newstate(size_t limit, cluashim_dispatch dispatch, cluashim_release release) {
    cluashim_vm *vm = calloc(1, sizeof(cluashim_vm));
    if (vm == NULL) return NULL;
    vm->limit = limit;
    vm->dispatch = dispatch;
    vm->release = release;
    lua_State *L = lua_newstate(capped_alloc, vm);
    if (L == NULL) {
        free(vm);
        return NULL;
    }
    *(cluashim_vm **)lua_getextraspace(L) = vm;  // threads copy the main thread's extra space
    lua_atpanic(L, panic);
    return L;
}

void cluashim_close(lua_State *L) {
    cluashim_vm *vm = cluashim_getvm(L);
    lua_close(L);
    free(vm);
}

// MARK: - Run budget

// The budget is CPU time (work), not wall time: a loaded machine must not stop a
// well-behaved script. The count starts at the hook's first look in a run (so a run
// shorter than BUDGET_HOOK_COUNT instructions, most handler resumes, reads no clock
// at all). The wall clock is cheap to read (vDSO) and never runs slower than the
// thread's CPU clock, so the CPU clock (a system call) is read again only once the
// wall time has passed the budget, and then not before the rest of the budget could
// possibly have been used.
static void budget_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    cluashim_vm *vm = cluashim_getvm(L);
    if (!vm->expired) {
        if (vm->budget_ns == 0) return;
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        if (vm->cpu_start_ns < 0) {
            vm->cpu_start_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
            vm->check_at_ns = now + vm->budget_ns;
            return;
        }
        if (now < vm->check_at_ns) return;
        int64_t used = clock_ns(CLOCK_THREAD_CPUTIME_ID) - vm->cpu_start_ns;
        if (used < vm->budget_ns) {
            vm->check_at_ns = now + (vm->budget_ns - used);
            return;
        }
        vm->expired = 1;
    }
    // From now on stop at every instruction of this thread, whatever catches the error.
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    luaL_where(L, 0);
    lua_pushfstring(L, "ran too long without yielding (over %d ms)", (int)(vm->budget_ns / 1000000));
    lua_concat(L, 2);
    lua_error(L);
}

void cluashim_enable_budget(lua_State *L) {
    cluashim_getvm(L)->budget_enabled = 1;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, BUDGET_HOOK_COUNT);
    cluashim_install_budget_guards(L);
}

void cluashim_arm_budget(lua_State *L, int64_t budget_ns) {
    cluashim_vm *vm = cluashim_getvm(L);
    if (!vm->budget_enabled) return;
    vm->expired = 0;
    vm->budget_ns = budget_ns;
    vm->cpu_start_ns = -1;  // counted from the hook's first look

    // Threads inherit the hook with its count; only an expiry shortens a thread's
    // count, so only then does it need setting back (lua_sethook is not free). A
    // script cannot replace the hook (guards.c), but a C module could have.
    if (lua_gethookcount(L) != BUDGET_HOOK_COUNT || lua_gethook(L) != budget_hook ||
        lua_gethookmask(L) != LUA_MASKCOUNT) {
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, BUDGET_HOOK_COUNT);
    }
}

void cluashim_disarm_budget(lua_State *L) {
    cluashim_vm *vm = cluashim_getvm(L);
    vm->budget_ns = 0;
    vm->expired = 0;
}

// MARK: - pcall that cannot catch a stop (lbaselib.c's, plus the expiry check)

static int finishpcall(lua_State *L, int status, lua_KContext extra) {
    if (status != LUA_OK && status != LUA_YIELD) {
        if (cluashim_getvm(L)->expired) return lua_error(L);
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int shim_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finishpcall);
    return finishpcall(L, status, 0);
}

static int shim_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finishpcall);
    return finishpcall(L, status, 2);
}

// coroutine.resume (upvalue 1), re-raising in the resumer a stop that ended the coroutine.
static int shim_resume(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (cluashim_getvm(L)->expired && !lua_toboolean(L, 1)) {
        lua_settop(L, 2);
        return lua_error(L);
    }
    return lua_gettop(L);
}

void cluashim_install_pcall(lua_State *L) {
    lua_pushglobaltable(L);
    lua_pushcfunction(L, shim_pcall);
    lua_setfield(L, -2, "pcall");
    lua_pushcfunction(L, shim_xpcall);
    lua_setfield(L, -2, "xpcall");
    int top = lua_gettop(L);
    if (lua_getfield(L, -1, LUA_COLIBNAME) == LUA_TTABLE && lua_getfield(L, -1, "resume") == LUA_TFUNCTION) {
        lua_pushcclosure(L, shim_resume, 1);
        lua_setfield(L, -2, "resume");
    }
    lua_settop(L, top - 1);
}

// MARK: - Errors and tracebacks

int cluashim_msghandler(lua_State *L) {
    lua_settop(L, 1);
    if (lua_type(L, 1) != LUA_TSTRING) {
        if (!cluashim_getvm(L)->expired && luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            lua_replace(L, 1);
        } else if (lua_type(L, 1) == LUA_TNUMBER) {
            lua_tostring(L, 1);
        } else {
            lua_settop(L, 1);
            lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
            lua_replace(L, 1);
        }
    }
    luaL_traceback(L, L, NULL, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
    return 1;
}

void cluashim_take_traceback(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
}

void cluashim_push_error(lua_State *L, const char *message) {
    luaL_where(L, 1);
    lua_pushstring(L, message);
    lua_concat(L, 2);
}

void cluashim_push_argerror(lua_State *L, int arg, const char *extramsg) {
    lua_Debug ar;
    if (!lua_getstack(L, 0, &ar)) {
        lua_pushfstring(L, "bad argument #%d (%s)", arg, extramsg);
        return;
    }
    lua_getinfo(L, "n", &ar);
    if (ar.namewhat != NULL && strcmp(ar.namewhat, "method") == 0) {
        arg--;
        if (arg == 0) {
            luaL_where(L, 1);
            lua_pushfstring(L, "calling '%s' on bad self (%s)", ar.name, extramsg);
            lua_concat(L, 2);
            return;
        }
    }
    luaL_where(L, 1);
    lua_pushfstring(L, "bad argument #%d to '%s' (%s)", arg, ar.name ? ar.name : "?", extramsg);
    lua_concat(L, 2);
}

// MARK: - The trampoline

static int trampoline(lua_State *L) {
    void *context = *(void **)lua_touserdata(L, lua_upvalueindex(1));
    cluashim_vm *vm = cluashim_getvm(L);
    int enforcing = vm->enforcing;
    vm->enforcing = 0;  // the host's own allocations may pass the cap: they must not raise
    int r = vm->dispatch(L, context);
    vm->enforcing = enforcing;
    if (r >= 0) return r;
    if (r == CLUASHIM_RAISE) return lua_error(L);
    return lua_yield(L, CLUASHIM_YIELD_BASE - r);
}

static int release_function(lua_State *L) {
    void **slot = lua_touserdata(L, 1);
    if (slot != NULL && *slot != NULL) {
        cluashim_getvm(L)->release(*slot);
        *slot = NULL;
    }
    return 0;
}

void cluashim_pushfunction(lua_State *L, void *context) {
    void **slot = lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = context;
    if (luaL_newmetatable(L, function_tname)) {
        lua_pushcfunction(L, release_function);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "swift function");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, trampoline, 1);
}

void *cluashim_hostyield_marker(void) { return &hostyield_marker; }

// MARK: - Userdata carrying an id

void cluashim_push_iduserdata(lua_State *L, int64_t id, const char *tname) {
    int64_t *p = lua_newuserdatauv(L, sizeof(int64_t), 1);
    *p = id;
    luaL_setmetatable(L, tname);
}

int64_t cluashim_to_iduserdata(lua_State *L, int idx, const char *tname, int *ok) {
    int64_t *p = luaL_testudata(L, idx, tname);
    *ok = p != NULL;
    return p ? *p : 0;
}

// MARK: - Sandbox libraries

// `require(name)`, run protected. Opening the package library (below) always
// defines the global `require`; a sandbox removes it again afterwards.
static int preload_require(lua_State *L) {
    lua_getglobal(L, "require");
    lua_insert(L, 1);
    lua_call(L, 1, 0);
    return 0;
}

static int text_only_load(lua_State *L) {
    lua_settop(L, 4);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L);
}

int cluashim_preload(lua_State *L, const char *name) {
    luaL_requiref(L, LUA_LOADLIBNAME, luaopen_package, 0);
    lua_getfield(L, -1, "loaded");
    lua_getfield(L, -1, name);
    int found = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!found) {
        lua_pushcfunction(L, preload_require);
        lua_pushstring(L, name);
        found = lua_pcall(L, 1, 0, 0) == LUA_OK;
        if (!found) lua_pop(L, 1);
    }
    lua_pop(L, 2);
    return found;
}

void cluashim_open_safe_libs(lua_State *L) {
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},         {LUA_COLIBNAME, luaopen_coroutine}, {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string},  {LUA_MATHLIBNAME, luaopen_math},    {LUA_UTF8LIBNAME, luaopen_utf8},
        {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    lua_pushnil(L);
    lua_setfield(L, -2, "dofile");
    lua_pushnil(L);
    lua_setfield(L, -2, "loadfile");
    lua_getfield(L, -1, "load");
    lua_pushcclosure(L, text_only_load, 1);
    lua_setfield(L, -2, "load");
    // os: only the clock and the calendar
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    lua_newtable(L);
    static const char *const safe_os[] = {"time", "date", "clock", "difftime", NULL};
    for (const char *const *name = safe_os; *name; name++) {
        lua_getfield(L, -2, *name);
        lua_setfield(L, -2, *name);
    }
    lua_setfield(L, -3, LUA_OSLIBNAME);
    lua_pop(L, 2);
}
