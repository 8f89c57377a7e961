import EventStream
import LuaRuntime
import NIOCore
import NIOHTTP1
import PushServer

/// The `client` object a stream handler gets: fields read from its request,
/// methods that act on its stream.
extension ScriptVM {
    var clientMethods: [(String, (ScriptVM, LuaStack) throws -> LuaReturn)] {
        [
            ("send", { try $0.send($1) }),
            ("comment", { try $0.comment($1) }),
            ("close", { try $0.close($1) }),
            ("subscribe", { try $0.subscribe($1, true) }),
            ("unsubscribe", { try $0.subscribe($1, false) }),
            ("deny", { try $0.deny($1) }),
            ("on_close", { try $0.onClose($1) }),
            ("drop", { try $0.drop($1) }),
            ("stall", { try $0.stall($1) }),
            ("send_raw", { try $0.sendRaw($1) }),
            ("respond", { try $0.respond($1) }),
        ]
    }

    /// The session of the client that is `self` (argument 1); nil once it is gone.
    func session(_ stack: LuaStack) throws -> Session? {
        guard let id = stack.userdataID(at: 1, metatable: Sessions.metatable) else {
            throw LuaArgumentError(1, "client expected, got \(stack.typeName(at: 1))")
        }
        return sessions[id]
    }

    // MARK: Fields

    func clientField(_ stack: LuaStack) throws -> LuaReturn {
        guard let id = stack.userdataID(at: 1, metatable: Sessions.metatable) else {
            throw LuaArgumentError(1, "client expected, got \(stack.typeName(at: 1))")
        }
        guard let key = stack.string(at: 2) else {
            stack.pushNil()
            return .values(1)
        }
        if key == "id" {
            stack.push(id)
            return .values(1)
        }
        guard let session = sessions[id] else {
            stack.push(key == "connected" ? .boolean(false) : .nil)
            return .values(1)
        }
        let request = session.client.request
        switch key {
        case "path": stack.push(request.path)
        case "method": stack.push(request.method.rawValue)
        case "uri": stack.push(request.uri)
        case "query", "headers", "cookies": pushCachedTable(stack, key: key, request: request)
        case "last_event_id": request.lastEventID.map { stack.push($0) } ?? stack.pushNil()
        case "remote": stack.push(request.remoteAddress)
        case "protocol": stack.push(request.protocolName)
        case "body": request.body.withUnsafeReadableBytes { stack.push(bytes: $0) }
        case "reloaded": stack.push(session.reloaded)
        case "connected": stack.push(session.client.isConnected)
        default: stack.pushNil()
        }
        return .values(1)
    }

    /// `client.query`, `client.headers` and `client.cookies` are built once, then kept in the
    /// userdata's user value, so the script always sees the same table.
    private func pushCachedTable(_ stack: LuaStack, key: String, request: Request) {
        if stack.pushUserValue(at: 1) != .table {
            stack.pop()
            stack.newTable()
            stack.pushValue(at: -1)
            stack.setUserValue(at: 1)
        }
        if stack.rawGet(-1, key) == .nil {
            stack.pop()
            switch key {
            case "query": pushStrings(request.query, on: stack)
            case "cookies": pushStrings(request.cookies, on: stack)
            default: pushHeaders(request.headers, on: stack)
            }
            stack.pushValue(at: -1)
            stack.rawSet(-3, key)
        }
        stack.remove(-2)
    }

    func pushStrings(_ strings: [String: String], on stack: LuaStack) {
        stack.newTable(fieldCount: Int32(strings.count))
        for (name, value) in strings {
            stack.push(value)
            stack.rawSet(-2, name)
        }
    }

    /// Headers by lower-case name; repeated headers joined with ", ".
    func pushHeaders(_ headers: HTTPHeaders, on stack: LuaStack) {
        var merged: [String: String] = [:]
        for (name, value) in headers {
            let name = name.lowercased()
            merged[name] = merged[name].map { $0 + ", " + value } ?? value
        }
        pushStrings(merged, on: stack)
    }

    // MARK: Methods

    func send(_ stack: LuaStack) throws -> LuaReturn {
        let session = try self.session(stack)
        // A plain line of text (most sends) is framed straight from Lua's bytes.
        if stack.type(at: 2) == .string, let frame = stack.withBytes(at: 2, { Frame(dataLine: $0) }) ?? nil {
            stack.push(session.map { hub.send(frame, to: $0.client) } ?? false)
            return .values(1)
        }
        let event = try self.event(stack, at: 2)
        stack.push(try session.map { try hub.send(event, to: $0.client) } ?? false)
        return .values(1)
    }

    func comment(_ stack: LuaStack) throws -> LuaReturn {
        let session = try self.session(stack)
        let event = try validated(ServerSentEvent(comment: try stack.checkString(2)))
        stack.push(try session.map { try hub.send(event, to: $0.client) } ?? false)
        return .values(1)
    }

    func close(_ stack: LuaStack) throws -> LuaReturn {
        if let session = try self.session(stack) {
            hub.close(session.client)
            end(session, reason: .closed)
        }
        return .none
    }

    func subscribe(_ stack: LuaStack, _ subscribing: Bool) throws -> LuaReturn {
        let session = try self.session(stack)
        let topic = try stack.checkString(2)
        if let client = session?.client {
            subscribing ? hub.subscribe(client, to: topic) : hub.unsubscribe(client, from: topic)
        }
        return .none
    }

    func deny(_ stack: LuaStack) throws -> LuaReturn {
        let session = try self.session(stack)
        let code = try stack.checkInteger(2)
        guard (300...599).contains(code) else { throw LuaArgumentError(2, "an HTTP status from 300 to 599 expected") }
        let status = HTTPResponseStatus(statusCode: code)
        let message =
            stack.type(at: 3) == .nil || stack.type(at: 3) == .none ? status.reasonPhrase : try stack.checkString(3)
        guard let session else { return .none }
        guard hub.deny(session.client, status: status, message: message) else {
            throw ScriptAPIError("client:deny must come before the stream starts (its first send, comment or sleep)")
        }
        end(session, reason: .closed)
        return .none
    }

    /// `client:respond(status[, body[, headers]])`: a plain response instead of the
    /// stream, made as a handler's return values are.
    func respond(_ stack: LuaStack) throws -> LuaReturn {
        let session = try self.session(stack)
        let response = try self.response(from: stack, at: 2, count: max(0, stack.top - 1))
        guard let session else { return .none }
        guard hub.respond(session.client, with: response) else {
            throw ScriptAPIError("client:respond must come before the stream starts (its first send, comment or sleep)")
        }
        end(session, reason: .closed)
        return .none
    }

    // MARK: Events

    /// The event argument at `index`: a string or number (the data), or a table
    /// with `data`, `event`, `id`, `retry`, `comment`. Anything that cannot be
    /// written as it is raises an error naming the field.
    func event(_ stack: LuaStack, at index: Int32) throws -> ServerSentEvent {
        switch stack.type(at: index) {
        case .string: return ServerSentEvent(data: stack.string(at: index))
        case .number: return ServerSentEvent(data: stack.numberText(at: index))
        case .table: break
        default: throw LuaArgumentError(index, "event table or string expected, got \(stack.typeName(at: index))")
        }
        var event = ServerSentEvent()
        try forEachField(stack, table: index) { key in
            switch key {
            case "data": event.data = try text(stack, field: "data", allowTable: true)
            case "event": event.event = try text(stack, field: "event")
            case "id": event.id = try text(stack, field: "id")
            case "comment": event.comment = try text(stack, field: "comment")
            case "retry":
                guard stack.type(at: -1) == .number, let milliseconds = stack.integer(at: -1) else {
                    throw ScriptAPIError("event field retry must be an integer number of milliseconds")
                }
                event.retry = milliseconds
            default:
                throw ScriptAPIError("unknown event field \"\(key)\" (expected data, event, id, retry or comment)")
            }
        }
        return try validated(event)
    }

    private func validated(_ event: ServerSentEvent) throws -> ServerSentEvent {
        do {
            try event.validate()
        } catch {
            throw ScriptAPIError("invalid event: \(error)")
        }
        return event
    }

    /// The value on top of the stack as text: strings and numbers as they are,
    /// booleans as `true`/`false`, tables (for `data`) as JSON.
    private func text(_ stack: LuaStack, field: String, allowTable: Bool = false) throws -> String {
        switch stack.type(at: -1) {
        case .string: return stack.string(at: -1)!
        case .number: return stack.numberText(at: -1)
        case .boolean: return stack.boolean(at: -1) ? "true" : "false"
        case .table where allowTable: return try encodeJSON(stack, at: -1)
        case let type:
            throw ScriptAPIError(
                "event field \(field) must be a string\(allowTable ? ", number or table" : " or number"), not \(type.name)"
            )
        }
    }
}
