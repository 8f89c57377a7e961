import EventStream
import Logging
import LuaRuntime
import NIOCore
import NIOHTTP1
import PushServer

#if canImport(Glibc)
    import Glibc
#endif

/// The `sse` Lua module (contract v1): declarations, publishing, timers, sleep,
/// JSON, clock and log. Also the global `sse`.
extension ScriptVM {
    /// The Lua half of the module: what reads best in Lua. It gets one table,
    /// `host`, with the module and the Swift functions it needs, and returns the
    /// metatables of clients and timers.
    private static let prelude = """
        local host = ...
        local sse = host.sse
        -- sse.log is print through the server's log
        function sse.log(...)
          local parts = table.pack(...)
          for i = 1, parts.n do parts[i] = tostring(parts[i]) end
          host.log(table.concat(parts, "\\t"))
        end
        print = sse.log
        -- the server is for every client: a script cannot end it by accident
        if os and os.exit then
          os.exit = function()
            error("os.exit is disabled in ssescript: it would stop the server for every client (stop it with SIGTERM)", 2)
          end
        end
        local client_methods, client_field = host.client_methods, host.client_field
        local client_meta = {
          __name = host.client_metatable,
          __index = function(self, key)
            local method = client_methods[key]
            if method ~= nil then return method end
            return client_field(self, key)
          end,
          __tostring = function(self) return "client " .. self.id end,
          __gc = host.client_collected,
        }
        local timer_meta = { __name = host.timer_metatable, __index = host.timer_methods }
        -- note each Lua file `require` finds, so that editing it reloads the script
        if package and package.searchers then
          local note_module = host.note_module
          table.insert(package.searchers, 2, function(name)
            local path = package.searchpath(name, package.path)
            if path then note_module(path) end
          end)
        end
        return client_meta, timer_meta
        """

    func installModule() throws(LuaError) {
        let stack = lua.stack
        let base = stack.top
        stack.newTable()
        let module = stack.top
        installFunctions(in: module)
        stack.newTable()
        stack.rawSet(module, "state")
        let json = lua.loadedModule("cjson")
        if case .table(let cjson) = json, case .function(let encode) = cjson["encode"] {
            jsonEncode = encode
            jsonNull = cjson["null"]
        }
        stack.push(json)
        stack.rawSet(module, "json")
        installJWT(in: module)
        installRedis(in: module)
        installMetrics(in: module)
        installReplay(in: module)

        // The prelude finishes the module and returns the metatables of clients and timers.
        stack.push(.function(try lua.load(Self.prelude, name: "sse")))
        pushHostTable(module: module, on: stack)
        _ = try lua.protectedCall(argumentCount: 1, resultCount: 2)
        stack.setRegistry(ScriptTimers.metatable)
        stack.setRegistry(Sessions.metatable)
        stack.pushValue(at: module)
        stack.setLoaded("sse")
        stack.pushGlobals()
        stack.pushValue(at: module)
        stack.rawSet(-2, "sse")
        stack.setTop(base)
    }

    /// The `sse` functions written in Swift.
    private func installFunctions(in module: Int32) {
        let stack = lua.stack
        stack.setFunction(module, "stream", bound { try $0.declareStream($1) })
        for method in [HTTPMethod.GET, .POST, .PUT, .PATCH, .DELETE] {
            stack.setFunction(module, method.rawValue.lowercased(), bound { try $0.declareHandler(method, $1) })
        }
        stack.setFunction(module, "publish", bound { try $0.publish($1) })
        stack.setFunction(module, "broadcast", bound { try $0.broadcast($1) })
        stack.setFunction(module, "every", bound { try $0.timer($1, repeating: true) })
        stack.setFunction(module, "after", bound { try $0.timer($1, repeating: false) })
        stack.setFunction(module, "sleep", bound { try $0.sleep($1) })
        stack.setFunction(module, "clients", bound { $0.clients($1) })
        stack.setFunction(module, "now") { stack in
            stack.push(Self.wallClock())
            return .values(1)
        }
    }

    /// The prelude's one argument: the module, the metatable names, and the Swift
    /// functions behind clients, timers, logging and `require`.
    private func pushHostTable(module: Int32, on stack: LuaStack) {
        stack.newTable()
        stack.pushValue(at: module)
        stack.rawSet(-2, "sse")
        stack.push(Sessions.metatable)
        stack.rawSet(-2, "client_metatable")
        stack.push(ScriptTimers.metatable)
        stack.rawSet(-2, "timer_metatable")
        stack.setFunction(
            -1, "log",
            bound { vm, stack in
                vm.logger.info("\(stack.string(at: 1) ?? "")")
                return .none
            })
        stack.setFunction(-1, "client_field", bound { try $0.clientField($1) })
        stack.setFunction(
            -1, "client_collected",
            bound { vm, stack in
                // __gc of a client userdata: only note the id; sessions are tidied outside the collector.
                if let id = stack.userdataID(at: 1, metatable: Sessions.metatable) { vm.sessions.noteCollected(id) }
                return .none
            })
        stack.newTable()
        for (name, method) in clientMethods { stack.setFunction(-1, name, bound(method)) }
        stack.rawSet(-2, "client_methods")
        stack.newTable()
        stack.setFunction(-1, "cancel", bound { try $0.cancelTimer($1) })
        stack.rawSet(-2, "timer_methods")
        stack.setFunction(
            -1, "note_module",
            bound { vm, stack in
                if let path = stack.string(at: 1), path.hasPrefix(vm.scriptDirectory + "/") {
                    vm.requiredFiles.insert(path)
                }
                return .none
            })
    }

    /// A Swift function for Lua that reaches this VM weakly: Lua may call it while
    /// the VM is being closed (a finalizer), when `self` is already going away.
    func bound(_ body: @escaping (ScriptVM, LuaStack) throws -> LuaReturn) -> LuaSwiftFunction {
        { [weak self] stack in
            guard let self else { return .none }
            return try body(self, stack)
        }
    }

    // MARK: Declarations

    func declareStream(_ stack: LuaStack) throws -> LuaReturn {
        let path = try checkPath(stack, 1)
        guard streams[path] == nil else { throw ScriptAPIError("stream \(path) is already declared") }
        var declaration = StreamDeclaration(handler: nil, options: StreamOptions())
        switch stack.type(at: 2) {
        case .none, .nil: break
        case .function:
            declaration.handler = stack.function(at: 2)
        default:
            throw LuaArgumentError(2, "function expected, got \(stack.typeName(at: 2))")
        }
        if stack.type(at: 3) != .none && stack.type(at: 3) != .nil {
            declaration.options = try streamOptions(stack, at: 3)
        }
        streams[path] = declaration
        routesChanged?()
        return .none
    }

    private func streamOptions(_ stack: LuaStack, at index: Int32) throws -> StreamOptions {
        guard stack.type(at: index) == .table else {
            throw LuaArgumentError(index, "table of options expected, got \(stack.typeName(at: index))")
        }
        var options = StreamOptions()
        try forEachField(stack, table: index) { key in
            switch key {
            case "heartbeat":
                guard let seconds = stack.number(at: -1), seconds > 0, seconds.isFinite else {
                    throw ScriptAPIError("heartbeat must be a number of seconds greater than 0")
                }
                options.heartbeat = .nanoseconds(Int64(seconds * 1e9))
            case "history":
                guard stack.type(at: -1) == .number, let count = stack.integer(at: -1), count >= 0 else {
                    throw ScriptAPIError("history must be a whole number of events, 0 or more")
                }
                options.history = count
            case "history_ttl":
                guard let seconds = stack.number(at: -1), seconds > 0, seconds.isFinite else {
                    throw ScriptAPIError("history_ttl must be a number of seconds greater than 0")
                }
                options.historyTTL = .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
            case "ids":
                guard stack.type(at: -1) == .string, stack.string(at: -1) == "auto" else {
                    throw ScriptAPIError("ids must be \"auto\" (the server numbers published events)")
                }
                options.autoIDs = true
            case "jitter":
                guard let seconds = stack.number(at: -1), seconds >= 0, seconds <= 3600 else {
                    throw ScriptAPIError("jitter must be a number of seconds from 0 to 3600")
                }
                options.jitter = .nanoseconds(Int64(seconds * 1e9))
            case "timeout":
                guard let seconds = stack.number(at: -1), seconds > 0, seconds.isFinite else {
                    throw ScriptAPIError("timeout must be a number of seconds greater than 0")
                }
                options.timeout = .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
            default:
                throw ScriptAPIError(
                    "unknown stream option \"\(key)\" (expected heartbeat, history, history_ttl, ids, jitter or timeout)"
                )
            }
        }
        return options
    }

    func declareHandler(_ method: HTTPMethod, _ stack: LuaStack) throws -> LuaReturn {
        let path = try checkPath(stack, 1)
        try stack.checkFunction(2)
        guard handlers[path]?[method.rawValue] == nil else {
            throw ScriptAPIError("\(method.rawValue) \(path) is already declared")
        }
        handlers[path, default: [:]][method.rawValue] = stack.function(at: 2)
        routesChanged?()
        return .none
    }

    private func checkPath(_ stack: LuaStack, _ index: Int32) throws -> String {
        let path = try stack.checkString(index)
        guard path.hasPrefix("/"), !path.contains("?"), !path.contains("#") else {
            throw LuaArgumentError(index, "a path like \"/sse\" expected, got \"\(path)\"")
        }
        return path
    }

    // MARK: Publishing

    func publish(_ stack: LuaStack) throws -> LuaReturn {
        let topic = try stack.checkString(1)
        let event = try self.event(stack, at: 2)
        return try published(on: stack) { try hub.publish(event, to: topic) }
    }

    func broadcast(_ stack: LuaStack) throws -> LuaReturn {
        let event = try self.event(stack, at: 1)
        return try published(on: stack) { try hub.broadcast(event) }
    }

    /// How many subscribers a publish reached here, or `nil, reason` when the
    /// cluster cannot take it (`redis unavailable`): an error a script can expect.
    private func published(on stack: LuaStack, _ publish: () throws -> Int) throws -> LuaReturn {
        do {
            stack.push(try publish())
            return .values(1)
        } catch let unavailable as PublishUnavailable {
            stack.pushNil()
            stack.push(unavailable.description)
            return .values(2)
        }
    }

    func clients(_ stack: LuaStack) -> LuaReturn {
        stack.push(hub.count(topic: stack.string(at: 1)))
        return .values(1)
    }

    // MARK: Time

    func timer(_ stack: LuaStack, repeating: Bool) throws -> LuaReturn {
        let delay = try seconds(stack, 1, allowZero: !repeating)
        try stack.checkFunction(2)
        let everyInstance = try timerRunsOnEveryInstance(stack, options: 3)
        let timer = timers.add(
            stack.function(at: 2)!, after: delay, repeating: repeating, everyInstance: everyInstance)
        stack.pushUserdata(id: timer.id, metatable: ScriptTimers.metatable)
        stack.pushValue(at: -1)
        timer.object = stack.reference()
        return .values(1)
    }

    func cancelTimer(_ stack: LuaStack) throws -> LuaReturn {
        guard let id = stack.userdataID(at: 1, metatable: ScriptTimers.metatable) else {
            throw LuaArgumentError(1, "timer expected, got \(stack.typeName(at: 1))")
        }
        if let timer = timers[id] { timers.cancel(timer) }
        return .none
    }

    func sleep(_ stack: LuaStack) throws -> LuaReturn {
        let delay = try seconds(stack, 1, allowZero: true)
        guard runner.sleepCurrent(for: delay) else {
            throw ScriptAPIError("sse.sleep can only be called inside a handler or timer")
        }
        return .hostYield
    }

    private func seconds(_ stack: LuaStack, _ index: Int32, allowZero: Bool) throws -> TimeAmount {
        let value = try stack.checkNumber(index)
        guard value.isFinite, value > 0 || (allowZero && value == 0) else {
            throw LuaArgumentError(
                index, "a number of seconds \(allowZero ? "of 0 or more" : "greater than 0") expected")
        }
        return .nanoseconds(Int64(min(value, 1e9) * 1e9))
    }

    /// Wall-clock seconds since 1970, with microsecond precision.
    static func wallClock() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec / 1000) / 1e6
    }

    // MARK: Helpers

    /// Calls `body` with each string key of the table at `table`, its value on top of the stack.
    func forEachField(_ stack: LuaStack, table: Int32, _ body: (String) throws -> Void) throws {
        let table = stack.absolute(table)
        stack.pushNil()
        while stack.next(table) {
            defer { stack.pop() }
            guard let key = stack.type(at: -2) == .string ? stack.string(at: -2) : nil else {
                throw ScriptAPIError("field names must be strings")
            }
            try body(key)
        }
    }

    /// `cjson.encode(value at index)`, called from Swift inside a script call.
    func encodeJSON(_ stack: LuaStack, at index: Int32) throws -> String {
        let index = stack.absolute(index)
        guard let jsonEncode else { throw ScriptAPIError("cjson is not available") }
        stack.push(.function(jsonEncode))
        stack.pushValue(at: index)
        do {
            _ = try lua.protectedCall(on: stack, argumentCount: 1, resultCount: 1)
        } catch {
            throw ScriptAPIError(error.message)
        }
        defer { stack.pop() }
        return stack.string(at: -1) ?? ""
    }
}

/// An error in how a script uses the `sse` API; becomes a Lua error at the call.
struct ScriptAPIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
