import CLuaShim

/// One Lua 5.4 VM. It knows nothing of SSE: it loads and runs code, moves values
/// both ways, runs coroutines, and keeps the script inside its memory cap and run
/// budget.
///
/// A `LuaState` is confined to one thread (in ssescript, the script event loop):
/// it is not `Sendable`. Close it with `close()`; references and coroutines that
/// outlive it become inert.
public final class LuaState {
    /// Limits and libraries of a VM.
    public struct Configuration: Sendable {
        /// Bytes the VM may allocate while script code runs; nil for no cap. Past it,
        /// the allocation fails and Lua raises "not enough memory" in the script.
        public var memoryLimit: Int?
        /// How much CPU time a script may use between two yields; nil for no limit.
        /// Past it, the script is stopped with "ran too long without yielding", which
        /// no `pcall` in the script can catch. CPU time, not wall time: a busy machine
        /// does not stop a well-behaved script.
        public var runLimit: Duration?
        /// Which standard libraries are open.
        public var libraries: Libraries
        /// Directories `require` searches before the standard path (`dir/?.lua`, `dir/?/init.lua`).
        public var searchPaths: [String]
        /// Modules loaded into `package.loaded` at creation, also in a sandbox
        /// (where the script itself cannot `require`): read them with `loadedModule(_:)`.
        public var preload: [String]

        public init(
            memoryLimit: Int? = nil,
            runLimit: Duration? = nil,
            libraries: Libraries = .standard,
            searchPaths: [String] = [],
            preload: [String] = []
        ) {
            self.memoryLimit = memoryLimit
            self.runLimit = runLimit
            self.libraries = libraries
            self.searchPaths = searchPaths
            self.preload = preload
        }
    }

    /// The standard libraries a VM opens.
    public enum Libraries: Sendable {
        /// All of Lua's standard libraries; `require` finds Debian's C modules (`cjson`).
        case standard
        /// For scripts you did not write: `string`, `table`, `math`, `utf8`, `coroutine`,
        /// the base library without `dofile`/`loadfile` (and `load` of text only),
        /// and `os` with only `time`, `date`, `clock` and `difftime`.
        case sandbox
    }

    public let configuration: Configuration
    let handle: OpaquePointer
    public private(set) var isClosed = false
    /// Nesting of host-started runs; the run budget is armed by the outermost one.
    private var runDepth = 0

    /// A result count that keeps every result (`LUA_MULTRET`).
    public static let allResults: Int32 = -1

    /// The main thread's stack.
    public var stack: LuaStack { LuaStack(handle) }

    public init(_ configuration: Configuration = Configuration()) throws(LuaError) {
        self.configuration = configuration
        let limit = configuration.memoryLimit.map { max($0, 1) } ?? 0
        guard let L = cluashim_newstate(limit, swiftFunctionDispatch, swiftFunctionRelease) else {
            throw LuaError(kind: .memory, message: "not enough memory to create a Lua state")
        }
        handle = L
        cluashim_getvm(L).pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        switch configuration.libraries {
        case .standard: luaL_openlibs(L)
        case .sandbox: cluashim_open_safe_libs(L)
        }
        cluashim_install_pcall(L)
        try installHostYieldRelay()
        if configuration.libraries == .standard, !configuration.searchPaths.isEmpty {
            try prependSearchPaths(configuration.searchPaths)
        }
        for module in configuration.preload where cluashim_preload(L, module) == 0 {
            throw LuaError(kind: .file, message: "module '\(module)' not found")
        }
        if configuration.libraries == .sandbox { setGlobal("require", nil) }
        if configuration.runLimit != nil { cluashim_enable_budget(L) }
    }

    deinit { close() }

    /// Closes the VM: runs pending finalizers and frees everything it holds.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        cluashim_close(handle)
    }

    // MARK: Memory

    /// Bytes the VM holds now.
    public var memoryInUse: Int { Int(cluashim_getvm(handle).pointee.used) }
    /// The most bytes the VM has held at once.
    public var peakMemory: Int { Int(cluashim_getvm(handle).pointee.peak) }

    /// Runs a full garbage collection.
    public func collectGarbage() { cluashim_gc_collect(handle) }

    // MARK: Loading and running

    /// Compiles a file (text only). Errors read `path:line: message`.
    public func load(file path: String) throws(LuaError) -> LuaFunction {
        let status = cluashim_loadfile(handle, path)
        return try loaded(status: status)
    }

    /// Compiles `source`. `name` appears in messages as given (`clock.lua:3: ...`).
    public func load(_ source: String, name: String = "chunk") throws(LuaError) -> LuaFunction {
        var source = source
        let status = source.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                cluashim_loadbuffer(handle, $0.baseAddress, $0.count, "=" + name)
            }
        }
        return try loaded(status: status)
    }

    private func loaded(status: Int32) throws(LuaError) -> LuaFunction {
        guard status == LUA_OK else {
            let message = stack.string(at: -1) ?? "cannot load chunk"
            stack.pop()
            throw LuaError(kind: LuaError.kind(status: status, expired: false), message: message)
        }
        return LuaFunction(reference: stack.reference())
    }

    /// Loads and runs a file; returns what its chunk returns.
    @discardableResult
    public func run(file path: String) throws(LuaError) -> [LuaValue] {
        try call(load(file: path))
    }

    /// Loads and runs `source`; returns what it returns.
    @discardableResult
    public func run(_ source: String, name: String = "chunk") throws(LuaError) -> [LuaValue] {
        try call(load(source, name: name))
    }

    /// Calls `function` in protected mode with a traceback handler.
    @discardableResult
    public func call(_ function: LuaFunction, _ arguments: LuaValue...) throws(LuaError) -> [LuaValue] {
        try call(function, arguments: arguments)
    }

    /// Calls `function` in protected mode with a traceback handler.
    @discardableResult
    public func call(_ function: LuaFunction, arguments: [LuaValue]) throws(LuaError) -> [LuaValue] {
        let stack = self.stack
        let base = stack.top
        stack.push(.function(function))
        for argument in arguments { stack.push(argument) }
        let count = try protectedCall(argumentCount: Int32(arguments.count))
        defer { stack.setTop(base) }
        return (0..<count).map { stack.value(at: base + 1 + $0) }
    }

    /// Calls the function below the top `argumentCount` values of `stack` (the main
    /// thread's by default), in protected mode, under the memory cap and run budget.
    /// On success the results replace the function and arguments and their count is
    /// returned; on failure the stack is back where it was below the function.
    ///
    /// From a Swift function called by Lua, pass the stack it was given.
    public func protectedCall(
        on stack: LuaStack? = nil,
        argumentCount: Int32,
        resultCount: Int32 = LuaState.allResults
    ) throws(LuaError) -> Int32 {
        let stack = stack ?? self.stack
        let L = stack.L
        let functionIndex = lua_gettop(L) - argumentCount
        cluashim_pushcfunction(L, cluashim_msghandler)
        lua_rotate(L, functionIndex, 1)
        let status = running(L) { cluashim_pcall(L, argumentCount, resultCount, functionIndex) }
        lua_rotate(L, functionIndex, -1)
        lua_settop(L, -2)  // the message handler
        guard status == LUA_OK else {
            let message = stack.string(at: -1) ?? "(error object is not a string)"
            cluashim_take_traceback(L)
            let traceback = stack.string(at: -1)
            lua_settop(L, functionIndex - 1)
            throw LuaError(
                kind: LuaError.kind(status: status, expired: budgetExpired), message: message, traceback: traceback)
        }
        return lua_gettop(L) - functionIndex + 1
    }

    /// Runs `body` (a pcall or resume of `thread`) as script code: under the memory
    /// cap, with the run budget armed by the outermost run.
    func running<R>(_ thread: OpaquePointer, _ body: () -> R) -> R {
        let wasEnforcing = cluashim_set_enforcing(handle, 1)
        if runDepth == 0, let limit = configuration.runLimit {
            let (seconds, attoseconds) = limit.components
            cluashim_arm_budget(thread, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        runDepth += 1
        let result = body()
        runDepth -= 1
        _ = cluashim_set_enforcing(handle, wasEnforcing)
        if runDepth == 0 {
            lastRunTimedOut = cluashim_getvm(handle).pointee.expired != 0
            cluashim_disarm_budget(handle)
        }
        return result
    }

    /// Whether the last outermost run was stopped by the run budget.
    private var lastRunTimedOut = false

    /// Whether the current run (or, between runs, the last one) was stopped by the run budget.
    var budgetExpired: Bool { runDepth > 0 ? cluashim_getvm(handle).pointee.expired != 0 : lastRunTimedOut }

    // MARK: Globals

    /// The global `name` (raw access: a metatable on `_G` is not consulted).
    public func global(_ name: String) -> LuaValue {
        let stack = self.stack
        stack.pushGlobals()
        stack.rawGet(-1, name)
        defer { stack.pop(2) }
        return stack.value(at: -1)
    }

    /// Sets the global `name` (raw).
    public func setGlobal(_ name: String, _ value: LuaValue) {
        let stack = self.stack
        stack.pushGlobals()
        stack.push(value)
        stack.rawSet(-2, name)
        stack.pop()
    }

    /// A module in `package.loaded` (nil if not loaded), read without running Lua.
    public func loadedModule(_ name: String) -> LuaValue {
        let stack = self.stack
        lua_getfield(handle, cluashim_registryindex(), LUA_LOADED_TABLE)
        stack.rawGet(-1, name)
        defer { stack.pop(2) }
        return stack.value(at: -1)
    }

    /// Makes `body` the global function `name`.
    public func register(_ name: String, _ body: @escaping LuaSwiftFunction) {
        setGlobal(name, .function(LuaFunction(body)))
    }

    // MARK: Set-up

    /// Lets a host yield made inside a script's own coroutine reach the host: the
    /// script's `coroutine.resume` and `coroutine.wrap` pass it up and pass the
    /// host's answer back down.
    private func installHostYieldRelay() throws(LuaError) {
        let relay = try load(
            """
            local marker, create, resume, yield, status, close = ...
            local function relay(co, ok, first, ...)
              if ok and first == marker and select("#", ...) == 0 and status(co) == "suspended" then
                return relay(co, resume(co, yield(marker)))
              end
              return ok, first, ...
            end
            local function unwrap(co, ok, ...)
              if ok then return ... end
              local err = ...
              if status(co) == "dead" then close(co) end
              error(err, type(err) == "string" and 2 or 0)
            end
            coroutine.resume = function(co, ...) return relay(co, resume(co, ...)) end
            coroutine.wrap = function(f)
              local co = create(f)
              return function(...) return unwrap(co, relay(co, resume(co, ...))) end
            end
            """,
            name: "host yield relay"
        )
        let coroutineLibrary = global("coroutine")
        guard case .table(let library) = coroutineLibrary else { return }
        try call(
            relay,
            .lightUserdata(cluashim_hostyield_marker()),
            library["create"], library["resume"], library["yield"], library["status"], library["close"]
        )
    }

    private func prependSearchPaths(_ directories: [String]) throws(LuaError) {
        let prefix = directories.map { "\($0)/?.lua;\($0)/?/init.lua;" }.joined()
        let set = try load("package.path = ... .. package.path", name: "search path")
        try call(set, .string(LuaString(prefix)))
    }
}

@available(*, unavailable)
extension LuaState: Sendable {}
