import LuaRuntime
import NIOCore
import PushServer

/// `client:on_close(fn)`: `fn(client, reason)` runs as a coroutine once the client
/// is gone, however it went (`DisconnectReason`: `"peer"`, `"slow"`, `"timeout"`,
/// `"shutdown"`, `"closed"`, `"reload"`, `"error"`).
///
/// The functions run from the next turn of the script loop, never inside the call
/// that ended the client (a `client:close()` in a handler, say). When the script
/// is retired (a reload removed the client's path, the server stops), those still
/// waiting run first, until their first yield. A client's userdata stays the same
/// object, so tables keyed by clients find it.
extension ScriptVM {
    func onClose(_ stack: LuaStack) throws -> LuaReturn {
        let session = try self.session(stack)
        try stack.checkFunction(2)
        guard let session, let function = stack.function(at: 2) else { return .none }
        if let reason = session.departure {
            queueDeparture(session, [function], reason: reason)
        } else {
            session.closeHandlers.append(function)
        }
        return .none
    }

    /// The client is gone: its session ends once its `on_close` functions have
    /// their own reference to its userdata.
    func departed(_ session: Session, reason: DisconnectReason) {
        guard session.departure == nil else { return }
        session.departure = reason
        replays.clientGone(session.client.id)
        let handlers = session.closeHandlers
        session.closeHandlers = []
        guard !handlers.isEmpty else { return sessions.end(session) }
        queueDeparture(session, handlers, reason: reason)
    }

    private func queueDeparture(_ session: Session, _ handlers: [LuaFunction], reason: DisconnectReason) {
        if sessions.departing.isEmpty {
            scheduler.schedule(after: .zero) { [unowned self] in runDepartures() }
        }
        sessions.departing.append((session, handlers))
    }

    /// Starts the `on_close` functions waiting to run, in the order their clients went.
    func runDepartures() {
        while !sessions.departing.isEmpty, !lua.isClosed {
            let (session, handlers) = sessions.departing.removeFirst()
            for function in handlers {
                let task = ScriptTask(LuaCoroutine(function, in: lua), purpose: .departure(session))
                let stack = task.coroutine.stack
                sessions.push(session, on: stack)
                stack.push(session.departure?.rawValue ?? DisconnectReason.closed.rawValue)
                runner.start(task, argumentCount: 2)
            }
            sessions.end(session)
        }
    }
}
