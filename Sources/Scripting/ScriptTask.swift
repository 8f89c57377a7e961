import LuaRuntime
import NIOCore
import PushServer

/// A coroutine the host runs: a stream handler, a timer callback or an HTTP
/// handler. It sleeps through the scheduler and ends when its coroutine does.
final class ScriptTask {
    enum Purpose {
        case stream(Session)
        case timer(ScriptTimer)
        case request(Exchange, path: String)
    }

    let coroutine: LuaCoroutine
    let purpose: Purpose
    /// The pending wake-up while it sleeps.
    var wake: Scheduler.Timer?
    private(set) var isEnded = false

    init(_ coroutine: LuaCoroutine, purpose: Purpose) {
        self.coroutine = coroutine
        self.purpose = purpose
    }

    /// A stream handler whose client is gone has nothing left to do.
    var isObsolete: Bool {
        if case .stream(let session) = purpose { return !session.client.isConnected }
        return false
    }

    /// Where it runs, for log lines.
    var context: String {
        switch purpose {
        case .stream(let session): "stream \(session.client.request.path) (client \(session.client.id))"
        case .timer(let timer): "timer \(timer.id)"
        case .request(_, let path): "handler \(path)"
        }
    }

    /// Stops it for good: cancels its wake-up and closes its coroutine.
    func end() {
        guard !isEnded else { return }
        isEnded = true
        wake?.cancel()
        wake = nil
        coroutine.close()
    }
}

@available(*, unavailable)
extension ScriptTask: Sendable {}

/// A stream client as one script sees it.
final class Session {
    let client: Client
    let reloaded: Bool
    /// Its handler, while that runs.
    var task: ScriptTask?
    /// The client's userdata, anchored while connected so the script always sees the same object.
    var object: LuaReference?
    /// Whether a userdata was ever made for it (the session then lives until Lua collects it).
    var hasObject = false

    init(client: Client, reloaded: Bool) {
        self.client = client
        self.reloaded = reloaded
    }
}

@available(*, unavailable)
extension Session: Sendable {}

/// A timer made by `sse.every` or `sse.after`.
final class ScriptTimer {
    let id: Int
    let function: LuaFunction
    /// Nil for `sse.after` (fires once).
    let interval: TimeAmount?
    var deadline: NIODeadline
    var scheduled: Scheduler.Timer?
    /// The handle's userdata, anchored while the timer is live.
    var object: LuaReference?
    private(set) var isCancelled = false

    init(id: Int, function: LuaFunction, interval: TimeAmount?, deadline: NIODeadline) {
        self.id = id
        self.function = function
        self.interval = interval
        self.deadline = deadline
    }

    func cancel() {
        isCancelled = true
        scheduled?.cancel()
        scheduled = nil
        object = nil
    }
}

@available(*, unavailable)
extension ScriptTimer: Sendable {}
