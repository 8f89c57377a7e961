import LuaRuntime
import NIOCore
import PushServer

/// Faults a script injects into one client's stream, to test how client code
/// copes: `client:drop()`, `client:stall(seconds)`, `client:send_raw(bytes)`.
extension ScriptVM {
    /// Kills the connection without the stream's clean end (on HTTP/2, resets the
    /// stream), after what was sent before; `on_close` gets `"closed"`.
    func drop(_ stack: LuaStack) throws -> LuaReturn {
        guard let session = try self.session(stack), session.client.isConnected else { return .none }
        hub.drop(session.client)
        end(session, reason: .closed)
        return .none
    }

    /// Writes nothing to the client for `seconds`; returns false once it is gone.
    func stall(_ stack: LuaStack) throws -> LuaReturn {
        let session = try self.session(stack)
        let seconds = try stack.checkNumber(2)
        guard seconds.isFinite, seconds >= 0 else {
            throw LuaArgumentError(2, "a number of seconds of 0 or more expected")
        }
        let duration = TimeAmount.nanoseconds(Int64(min(seconds, 1e6) * 1e9))
        stack.push(session.map { hub.stall($0.client, for: duration) } ?? false)
        return .values(1)
    }

    /// Writes the string's bytes as they are inside the stream's framing; returns
    /// false once the client is gone.
    func sendRaw(_ stack: LuaStack) throws -> LuaReturn {
        let session = try self.session(stack)
        guard stack.type(at: 2) == .string else {
            throw LuaArgumentError(2, "string expected, got \(stack.typeName(at: 2))")
        }
        let bytes = stack.withBytes(at: 2) { ByteBuffer(bytes: $0) } ?? ByteBuffer()
        stack.push(session.map { hub.sendRaw(bytes, to: $0.client) } ?? false)
        return .values(1)
    }
}

extension ScriptVM {
    /// What the console does to a client, as the script's own methods would.
    enum ClientAction {
        case drop
        case close
        case stall(TimeAmount)
    }

    func perform(_ action: ClientAction, on client: Client) {
        switch action {
        case .stall(let duration):
            hub.stall(client, for: duration)
            return
        case .drop: hub.drop(client)
        case .close: hub.close(client)
        }
        if let session = sessions[client.id] { end(session, reason: .closed) }
    }
}
