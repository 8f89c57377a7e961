import CLuaShim

/// An error raised by Lua code or by loading it: the message Lua gave
/// (`clock.lua:12: attempt to index a nil value`) and, where there is one,
/// the stack traceback at the point of the error.
public struct LuaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, in the categories a host treats differently.
    public enum Kind: Sendable, Equatable {
        /// The chunk does not compile.
        case syntax
        /// The file cannot be read.
        case file
        /// An error raised while running (`error(...)`, a type error, ...).
        case runtime
        /// The VM hit its memory cap (or the system is out of memory).
        case memory
        /// The code ran past its run budget without yielding.
        case timeout
        /// The message handler itself failed.
        case handler
    }

    public var kind: Kind
    public var message: String
    /// `stack traceback:` and its lines, when known.
    public var traceback: String?

    public init(kind: Kind, message: String, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
    }

    public var description: String {
        guard let traceback, !traceback.isEmpty else { return message }
        return message + "\n" + traceback
    }

    /// Maps a failed status of `lua_pcall`, `lua_resume` or `luaL_load*` to a kind.
    static func kind(status: Int32, expired: Bool) -> Kind {
        if expired { return .timeout }
        switch status {
        case LUA_ERRSYNTAX: return .syntax
        case LUA_ERRMEM: return .memory
        case LUA_ERRERR: return .handler
        case LUA_ERRFILE: return .file
        default: return .runtime
        }
    }
}
