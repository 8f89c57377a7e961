import LuaRuntime
import PushServer

/// A stream client as one script sees it.
final class Session {
    let client: Client
    let reloaded: Bool
    /// Its handler, while that runs.
    var task: ScriptTask?
    /// Its `client:on_close` functions, until they run.
    var closeHandlers: [LuaFunction] = []
    /// How it went, once it is gone.
    var departure: DisconnectReason?
    /// The client's userdata, anchored while connected so the script always sees the same object.
    fileprivate var object: LuaReference?
    /// Whether a userdata was ever made for it (the session then lives until Lua collects it).
    fileprivate var hasObject = false

    init(client: Client, reloaded: Bool) {
        self.client = client
        self.reloaded = reloaded
    }
}

@available(*, unavailable)
extension Session: Sendable {}

/// The stream clients of one script, and the lifecycle of their userdata: a
/// client's userdata is anchored while it is connected; once it is gone, its
/// session lives on (its fields stay readable) until Lua collects the userdata.
final class Sessions {
    static let metatable = "ssescript.client"

    private var byID: [Int: Session] = [:]
    /// Sessions whose `on_close` functions are to run, with them, in the order they went.
    var departing: [(session: Session, handlers: [LuaFunction])] = []
    /// Ids of client userdata Lua has collected, noted by `__gc`, tidied by `reap()`.
    private var collected: [Int] = []

    subscript(id: Int) -> Session? { byID[id] }

    /// A session for a client that connected (or was handed over by a reload).
    func begin(_ client: Client, reloaded: Bool) -> Session {
        reap()
        let session = Session(client: client, reloaded: reloaded)
        byID[client.id] = session
        return session
    }

    /// The client is gone or closed: its userdata is no longer anchored, and the
    /// session goes unless the script still holds the userdata.
    func end(_ session: Session) {
        session.object = nil
        if !session.hasObject { byID[session.client.id] = nil }
    }

    /// Notes that Lua collected the userdata of client `id` (called from `__gc`,
    /// so nothing is freed here).
    func noteCollected(_ id: Int) { collected.append(id) }

    /// Drops the sessions of departed clients whose userdata Lua has collected.
    func reap() {
        guard !collected.isEmpty else { return }
        let ids = collected
        collected = []
        for id in ids where byID[id]?.client.isConnected == false { byID[id] = nil }
    }

    /// Pushes the client's userdata (always the same one for the same client).
    func push(_ session: Session, on stack: LuaStack) {
        if let object = session.object { return object.push(onto: stack) }
        session.hasObject = true
        stack.pushUserdata(id: session.client.id, metatable: Self.metatable)
        stack.pushValue(at: -1)
        session.object = stack.reference()
    }

    func removeAll() {
        byID = [:]
        departing = []
    }
}

@available(*, unavailable)
extension Sessions: Sendable {}
