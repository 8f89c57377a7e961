import CLuaShim

/// A Lua coroutine driven by the host: created from a function, resumed with
/// values, and reporting whether it yielded, finished or failed.
///
/// The thread is anchored in the registry until the coroutine finishes, fails or
/// is closed, so a suspended coroutine lives exactly as long as the host needs it.
public final class LuaCoroutine {
    /// How a resume ended, with the values left on the coroutine's stack.
    public enum Resumption {
        /// It yielded `count` values (on top of `stack`; pop them before resuming).
        case yielded(count: Int32)
        /// It made a host yield (`LuaReturn.hostYield`), possibly from inside a
        /// coroutine of its own.
        case hostYield
        /// It returned `count` values (on top of `stack`).
        case finished(count: Int32)
        /// It raised an error; the coroutine is dead.
        case failed(LuaError)
    }

    /// How a resume ended, values copied.
    public enum Outcome {
        case yielded([LuaValue])
        case hostYield
        case finished([LuaValue])
        case failed(LuaError)
    }

    public let state: LuaState
    /// The coroutine's own stack.
    public let stack: LuaStack
    private var anchor: Int32

    /// A coroutine that will run `function`.
    public init(_ function: LuaFunction, in state: LuaState) {
        self.state = state
        let main = state.stack
        stack = LuaStack(lua_newthread(main.L))
        anchor = luaL_ref(main.L, cluashim_registryindex())
        stack.push(.function(function))
    }

    /// Whether the coroutine can be resumed.
    public var isSuspended: Bool {
        guard anchor != LUA_NOREF, !state.isClosed else { return false }
        let status = lua_status(stack.L)
        return status == LUA_YIELD || (status == LUA_OK && lua_gettop(stack.L) > 0)
    }

    /// Resumes with the top `argumentCount` values of `stack` as arguments (or as
    /// the results of the `yield` it is suspended in).
    public func resume(argumentCount: Int32) -> Resumption {
        precondition(anchor != LUA_NOREF && !state.isClosed, "resuming a closed coroutine")
        let L = stack.L
        var count: Int32 = 0
        let status = state.running(L) { lua_resume(L, state.handle, argumentCount, &count) }
        switch status {
        case LUA_OK:
            return .finished(count: count)
        case LUA_YIELD:
            if count == 1, lua_touserdata(L, -1) == cluashim_hostyield_marker() {
                stack.pop()
                return .hostYield
            }
            return .yielded(count: count)
        default:
            let error = failure(status: status)
            close()
            return .failed(error)
        }
    }

    /// Resumes with `arguments`; yielded or returned values are copied and popped.
    public func resume(_ arguments: LuaValue...) -> Outcome {
        resume(arguments: arguments)
    }

    /// Resumes with `arguments`; yielded or returned values are copied and popped.
    public func resume(arguments: [LuaValue]) -> Outcome {
        for argument in arguments { stack.push(argument) }
        switch resume(argumentCount: Int32(arguments.count)) {
        case .yielded(let count): return .yielded(takeValues(count))
        case .finished(let count): return .finished(takeValues(count))
        case .hostYield: return .hostYield
        case .failed(let error): return .failed(error)
        }
    }

    private func takeValues(_ count: Int32) -> [LuaValue] {
        let base = stack.top - count
        defer { stack.setTop(base) }
        return (0..<count).map { stack.value(at: base + 1 + $0) }
    }

    /// The error on top of the dead coroutine's stack, with its traceback.
    private func failure(status: Int32) -> LuaError {
        let L = stack.L
        let message: String
        switch stack.type(at: -1) {
        case .string: message = stack.string(at: -1)!
        case .number: message = stack.numberText(at: -1)
        case let type: message = "(error object is a \(type.name) value)"
        }
        let main = state.stack
        luaL_traceback(main.L, L, nil, 0)
        let traceback = main.string(at: -1)
        main.pop()
        return LuaError(
            kind: LuaError.kind(status: status, expired: state.budgetExpired), message: message, traceback: traceback)
    }

    /// Ends the coroutine: closes its pending to-be-closed variables and drops it.
    /// Closing twice is harmless. A coroutine must not close itself while running.
    public func close() {
        guard anchor != LUA_NOREF else { return }
        if !state.isClosed {
            let L = stack.L
            _ = state.running(L) { lua_resetthread(L) }
            luaL_unref(state.handle, cluashim_registryindex(), anchor)
        }
        anchor = LUA_NOREF
    }

    deinit { close() }
}

@available(*, unavailable)
extension LuaCoroutine: Sendable {}
