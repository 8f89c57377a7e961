import Cluster
import LuaRuntime
import NIOCore
import PushServer
import RedisClient

/// What a script sees of the cluster it runs in (`--redis`): `sse.redis(command, ...)`,
/// and the `each_instance` option of `sse.every` and `sse.after`.
extension ScriptVM {
    func installRedis(in module: Int32) {
        lua.stack.setFunction(module, "redis", bound { try $0.redisCommand($1) })
    }

    // MARK: sse.redis

    /// Commands `sse.redis` refuses, and why: they would change the connection every
    /// handler shares (its database, its protocol, a transaction others' commands
    /// would fall into), or hold it for everyone while they block.
    static let refusedRedisCommands: [String: String] = {
        var refused: [String: String] = [:]
        let shared = "it would change the connection every handler and timer shares"
        for name in ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"] {
            refused[name] = "use sse.publish and client:subscribe; " + shared
        }
        for name in ["MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"] {
            refused[name] = "other handlers' commands would fall into the transaction; use EVAL for atomic work"
        }
        for name in ["SELECT", "AUTH", "HELLO", "RESET", "QUIT", "MONITOR", "SYNC", "PSYNC", "REPLCONF"] {
            refused[name] = shared
        }
        for name in [
            "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
        ] {
            refused[name] = "a blocking command would hold the connection every handler and timer shares"
        }
        return refused
    }()

    /// `sse.redis(command, ...)`: sends the command on this instance's connection and
    /// yields the calling handler or timer until the reply, which becomes its result;
    /// `nil, message` for an error reply or when Redis is unavailable.
    func redisCommand(_ stack: LuaStack) throws -> LuaReturn {
        let arguments = try redisArguments(stack)
        guard runner.current != nil else {
            throw ScriptAPIError(
                "sse.redis can only be called inside a handler or timer (it waits for the reply)")
        }
        let name = String(buffer: arguments[0]).uppercased()
        if let reason = Self.refusedRedisCommands[name] ?? refusedForm(name, arguments) {
            throw ScriptAPIError("sse.redis does not run \(name): \(reason)")
        }
        guard let redis = cluster?.redis else {
            stack.pushNil()
            stack.push("no redis configured (serve with --redis)")
            return .values(2)
        }
        guard let waker = runner.suspendCurrent(holdingClientPending: true) else { return .none }
        let null = jsonNull
        let loop = hub.loop
        redis.send(arguments).assumeIsolated().whenComplete { result in
            // A command refused at once completes inside this call: the task is still
            // running, so it is woken from the loop, after it has yielded.
            loop.assumeIsolated().execute {
                waker.resume { stack in
                    switch result {
                    case .success(let reply):
                        stack.push(Self.luaValue(of: reply, null: null, topLevel: true))
                        return 1
                    case .failure(let error):
                        stack.pushNil()
                        stack.push("\(error)")
                        return 2
                    }
                }
            }
        }
        return .hostYield
    }

    /// `XREAD`/`XREADGROUP` with `BLOCK` blocks like `BLPOP` does; `CLIENT REPLY`
    /// would leave the connection's replies unpaired.
    private func refusedForm(_ name: String, _ arguments: [ByteBuffer]) -> String? {
        let words = arguments.dropFirst().map { String(buffer: $0).uppercased() }
        if (name == "XREAD" || name == "XREADGROUP") && words.contains("BLOCK") {
            return Self.refusedRedisCommands["BLPOP"]
        }
        if name == "CLIENT" && words.first == "REPLY" { return Self.refusedRedisCommands["SELECT"] }
        return nil
    }

    /// The command and its arguments: strings as their bytes, numbers as Lua writes them.
    private func redisArguments(_ stack: LuaStack) throws -> [ByteBuffer] {
        let count = stack.top
        guard count >= 1, stack.type(at: 1) == .string else {
            throw LuaArgumentError(1, "a command name expected, got \(stack.typeName(at: 1))")
        }
        var arguments: [ByteBuffer] = []
        arguments.reserveCapacity(Int(count))
        for index in 1...count {
            switch stack.type(at: index) {
            case .string:
                arguments.append(stack.withBytes(at: index) { ByteBuffer(bytes: $0) } ?? ByteBuffer())
            case .number:
                arguments.append(ByteBuffer(string: stack.numberText(at: index)))
            default:
                throw LuaArgumentError(index, "string or number expected, got \(stack.typeName(at: index))")
            }
        }
        return arguments
    }

    /// A reply as Lua sees it: integers, strings (bulk and status), tables for arrays,
    /// nil for a nil reply (`null`, `sse.json.null`, inside an array, so positions
    /// hold), and `{ err = message }` for an error inside an array (`EVAL` results).
    static func luaValue(of reply: RedisValue, null: LuaValue, topLevel: Bool = false) -> LuaValue {
        switch reply {
        case .integer(let value): return .integer(Int(value))
        case .simpleString(let text): return .string(LuaString(text))
        case .bulkString(let bytes): return .string(LuaString(bytes: Array(bytes.readableBytesView)))
        case .null: return topLevel ? .nil : null
        case .error(let message): return .table(LuaTable(fields: ["err": .string(LuaString(message))]))
        case .array(let elements): return .table(LuaTable(array: elements.map { luaValue(of: $0, null: null) }))
        }
    }

    // MARK: Timers

    /// Whether a new timer runs on every instance of a cluster: `{ each_instance = true }`
    /// says so; without it, a timer made by a stream or HTTP handler or an `on_close`
    /// function (or by a timer that runs everywhere) runs where it was made, and one
    /// made at the top level (or in a hook, or by a cluster timer) only on the
    /// instance holding the timer lease.
    func timerRunsOnEveryInstance(_ stack: LuaStack, options index: Int32) throws -> Bool {
        var everyInstance: Bool
        switch runner.current?.purpose {
        case .stream, .request, .departure: everyInstance = true
        case .timer(let timer): everyInstance = timer.everyInstance
        case nil: everyInstance = false
        }
        switch stack.type(at: index) {
        case .none, .nil: return everyInstance
        case .table: break
        default: throw LuaArgumentError(index, "table of options expected, got \(stack.typeName(at: index))")
        }
        try forEachField(stack, table: index) { key in
            guard key == "each_instance" else {
                throw ScriptAPIError("unknown timer option \"\(key)\" (expected each_instance)")
            }
            guard stack.type(at: -1) == .boolean else { throw ScriptAPIError("each_instance must be true or false") }
            everyInstance = stack.boolean(at: -1)
        }
        return everyInstance
    }
}
