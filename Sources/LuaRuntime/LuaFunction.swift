import CLuaShim

/// The body of a Swift function called from Lua. It reads its arguments from the
/// stack (index 1 is the first), pushes its results and says how many.
///
/// Throwing raises a Lua error in the caller: `LuaArgumentError` reads like
/// `luaL_argerror`, anything else becomes `"file.lua:12: <description>"`. The raise
/// itself happens in C, after this function has returned.
///
/// Inside the body use only stack operations that cannot raise: the `LuaStack`
/// methods (raw table access, pushes, reads). The memory cap does not apply here.
public typealias LuaSwiftFunction = (LuaStack) throws -> LuaReturn

/// What a Swift function called from Lua does when it returns.
public enum LuaReturn {
    /// Return the top `n` values.
    case values(Int32)
    /// Yield the top `n` values to whoever resumed the running coroutine.
    case yield(Int32)
    /// Yield to the host: the coroutine the host resumed reports `.hostYield`,
    /// even when the call happens inside a coroutine the script made itself.
    case hostYield

    public static var none: LuaReturn { .values(0) }
}

/// An argument error, reported as `bad argument #2 to 'send' (string expected, got nil)`.
public struct LuaArgumentError: Error, CustomStringConvertible {
    public var position: Int32
    public var message: String

    public init(_ position: Int32, _ message: String) {
        self.position = position
        self.message = message
    }

    public var description: String { "bad argument #\(position) (\(message))" }
}

/// A function: a Swift closure to hand to Lua, or a Lua function held by reference.
public final class LuaFunction: Hashable {
    enum Body {
        case swift(LuaSwiftFunction)
        case lua(LuaReference)
    }

    let body: Body

    /// A Swift closure callable from Lua.
    public init(_ body: @escaping LuaSwiftFunction) {
        self.body = .swift(body)
    }

    init(reference: LuaReference) {
        self.body = .lua(reference)
    }

    public static func == (a: LuaFunction, b: LuaFunction) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

@available(*, unavailable)
extension LuaFunction: Sendable {}

/// Keeps a Swift closure alive while Lua holds the function made from it.
final class SwiftFunctionBox {
    let body: LuaSwiftFunction
    init(_ body: @escaping LuaSwiftFunction) { self.body = body }
}

/// The one dispatcher behind every Swift function: runs the closure and turns
/// its outcome into the status the C trampoline acts on.
let swiftFunctionDispatch: cluashim_dispatch = { L, context in
    let box = Unmanaged<SwiftFunctionBox>.fromOpaque(context!).takeUnretainedValue()
    let stack = LuaStack(L!)
    do {
        switch try box.body(stack) {
        case .values(let count):
            return count
        case .yield(let count):
            return cluashim_yield_code(count)
        case .hostYield:
            lua_pushlightuserdata(L, cluashim_hostyield_marker())
            return cluashim_yield_code(1)
        }
    } catch let error as LuaArgumentError {
        cluashim_push_argerror(L, error.position, error.message)
        return CLUASHIM_RAISE
    } catch {
        cluashim_push_error(L, "\(error)")
        return CLUASHIM_RAISE
    }
}

/// Called from Lua's collector (`__gc`) when a Swift function is no longer reachable.
let swiftFunctionRelease: cluashim_release = { context in
    Unmanaged<SwiftFunctionBox>.fromOpaque(context!).release()
}
