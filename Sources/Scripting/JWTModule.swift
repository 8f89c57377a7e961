import Dispatch
import LuaRuntime
import NIOCore
import PushServer
import Synchronization
import WebTokens

/// `sse.jwt.verify(token, keys, checks?)` and `sse.jwt.sign(claims, keys, alg?)`:
/// JSON Web Tokens through jwt-kit (the `WebTokens` target). `keys` names keys by
/// algorithm family: `{ hs256 = secret, es256 = pem, rs256 = pem, eddsa = pem }`.
///
/// jwt-kit prepares keys asynchronously, once per keys table (then cached); a
/// handler or timer yields while that happens, the top level of a script waits
/// for it. Verifying and signing themselves are synchronous.
extension ScriptVM {

    func installJWT(in module: Int32) {
        let stack = lua.stack
        stack.newTable()
        stack.setFunction(-1, "verify", bound { try $0.verifyJWT($1) })
        stack.setFunction(-1, "sign", bound { try $0.signJWT($1) })
        stack.rawSet(module, "jwt")
    }

    // MARK: Verify

    func verifyJWT(_ stack: LuaStack) throws -> LuaReturn {
        let token = try stack.checkString(1)
        let table = try keysTable(stack, at: 2)
        let checks = try claimChecks(stack, at: 3)
        return try withKeys(table, on: stack) { [weak self] keys, stack in
            do {
                let claims = try WebTokens.verify(token: token, keys: keys, checks: checks)
                stack.push(self?.luaValue(of: claims) ?? .nil)
                return 1
            } catch {
                stack.pushNil()
                stack.push("\(error)")
                return 2
            }
        }
    }

    /// `{ aud = "feeds" or { ... }, iss = "https://auth", leeway = 30 }`.
    private func claimChecks(_ stack: LuaStack, at index: Int32) throws -> ClaimChecks {
        var checks = ClaimChecks()
        guard stack.type(at: index) != .none, stack.type(at: index) != .nil else { return checks }
        guard stack.type(at: index) == .table else {
            throw LuaArgumentError(index, "table of checks expected, got \(stack.typeName(at: index))")
        }
        try forEachField(stack, table: index) { key in
            switch (key, stack.value(at: -1)) {
            case ("aud", .string(let audience)): checks.audiences = [audience.string]
            case ("aud", .table(let list)) where list.fields.isEmpty && list.array.allSatisfy { $0.string != nil }:
                checks.audiences = list.array.compactMap(\.string)
            case ("iss", .string(let issuer)): checks.issuer = issuer.string
            case ("leeway", .integer(let seconds)) where seconds >= 0: checks.leeway = Double(seconds)
            case ("leeway", .number(let seconds)) where seconds >= 0 && seconds.isFinite: checks.leeway = seconds
            case ("aud", _), ("iss", _), ("leeway", _):
                throw ScriptAPIError(
                    "jwt check \(key) must be \(key == "leeway" ? "a number of seconds, 0 or more" : key == "aud" ? "a string or a list of strings" : "a string")"
                )
            default:
                throw ScriptAPIError("unknown jwt check \"\(key)\" (expected aud, iss or leeway)")
            }
        }
        return checks
    }

    // MARK: Sign

    func signJWT(_ stack: LuaStack) throws -> LuaReturn {
        guard stack.type(at: 1) == .table else {
            throw LuaArgumentError(1, "table of claims expected, got \(stack.typeName(at: 1))")
        }
        let claims = try jsonValue(of: stack.value(at: 1), path: "claims")
        let table = try keysTable(stack, at: 2)
        let algorithm = stack.type(at: 3) == .none || stack.type(at: 3) == .nil ? nil : try stack.checkString(3)
        return try withKeys(table, on: stack) { keys, stack in
            do {
                stack.push(try WebTokens.sign(claims: claims, keys: keys, algorithm: algorithm?.uppercased()))
                return 1
            } catch {
                stack.pushNil()
                stack.push("\(error)")
                return 2
            }
        }
    }

    // MARK: Keys

    /// `{ hs256 = secret, es256 = pem, ... }`.
    private func keysTable(_ stack: LuaStack, at index: Int32) throws -> WebTokenKeyCache.Table {
        guard stack.type(at: index) == .table else {
            throw LuaArgumentError(
                index, "table of keys expected, like { hs256 = secret }, got \(stack.typeName(at: index))")
        }
        var table: WebTokenKeyCache.Table = [:]
        try forEachField(stack, table: index) { key in
            guard let family = KeyFamily(rawValue: key.lowercased()) else {
                let known = KeyFamily.allCases.map(\.rawValue).joined(separator: ", ")
                throw ScriptAPIError("unknown key family \"\(key)\" (expected one of \(known))")
            }
            guard stack.type(at: -1) == .string, let bytes = stack.bytes(at: -1) else {
                throw ScriptAPIError("key \(key) must be a string (a secret or a PEM key)")
            }
            table[family] = bytes
        }
        guard !table.isEmpty else { throw ScriptAPIError("the keys table is empty") }
        return table
    }

    /// Runs `body` with the prepared keys of `table`: at once when they are cached;
    /// else a handler or timer yields until jwt-kit has prepared them, and the top
    /// level waits. A bad key comes back as `nil, reason`.
    private func withKeys(
        _ table: WebTokenKeyCache.Table, on stack: LuaStack, _ body: @escaping (WebTokenKeys, LuaStack) -> Int32
    ) throws -> LuaReturn {
        if let keys = JWTKeys.cache.cached(table) { return .values(body(keys, stack)) }
        guard let waker = runner.suspendCurrent(holdingClientPending: true) else {
            return .values(preparedNow(table, on: stack, body))
        }
        let loop = hub.loop
        let waiting = NIOLoopBound((waker, body), eventLoop: loop)
        Task {
            let prepared = await JWTKeys.prepare(table)
            loop.execute {
                let (waker, body) = waiting.value
                waker.resume { stack in JWTKeys.finish(prepared, on: stack, body) }
            }
        }
        return .hostYield
    }

    /// Outside a coroutine (a script's top level): waits for the keys.
    private func preparedNow(
        _ table: WebTokenKeyCache.Table, on stack: LuaStack, _ body: (WebTokenKeys, LuaStack) -> Int32
    ) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let result = PreparedKeys()
        Task {
            let prepared = await JWTKeys.prepare(table)
            result.value.withLock { $0 = prepared }
            done.signal()
        }
        done.wait()
        return JWTKeys.finish(result.value.withLock { $0 }!, on: stack, body)
    }

    // MARK: Claims both ways

    /// JSON as Lua: objects and arrays as tables, integers as integers, `null` as `sse.json.null`.
    func luaValue(of json: JSONValue) -> LuaValue {
        switch json {
        case .null: jsonNull
        case .bool(let value): .boolean(value)
        case .integer(let value): .integer(Int(value))
        case .number(let value): .number(value)
        case .string(let value): .string(LuaString(value))
        case .array(let values): .table(LuaTable(array: values.map(luaValue(of:))))
        case .object(let members):
            .table(
                LuaTable(
                    fields: Dictionary(uniqueKeysWithValues: members.map { (.string(LuaString($0)), luaValue(of: $1)) })
                ))
        }
    }

    /// A Lua value as JSON claims; a function, userdata or a mixed table is an error naming where.
    func jsonValue(of value: LuaValue, path: String) throws -> JSONValue {
        switch value {
        case .nil: return .null
        case .boolean(let value): return .bool(value)
        case .integer(let value): return .integer(Int64(value))
        case .number(let value): return .number(value)
        case .string(let value): return .string(value.string)
        case .lightUserdata where value == jsonNull: return .null
        case .table(let table) where table.fields.isEmpty && !table.array.isEmpty:
            return .array(try table.array.enumerated().map { try jsonValue(of: $1, path: "\(path)[\($0 + 1)]") })
        case .table(let table) where table.array.isEmpty:
            var members: [String: JSONValue] = [:]
            for (key, element) in table.fields {
                guard let name = key.string else { throw ScriptAPIError("\(path) has a key that is not a string") }
                members[name] = try jsonValue(of: element, path: "\(path).\(name)")
            }
            return .object(members)
        default:
            throw ScriptAPIError("\(path) cannot be JSON (a \(value.type.name))")
        }
    }
}

/// The keys prepared for a script's top level, handed from a task to the waiting loop.
private final class PreparedKeys: Sendable {
    let value = Mutex<Result<WebTokenKeys, WebTokenError>?>(nil)
}

/// Keys prepared by jwt-kit, shared by the VMs of one process (a reload keeps them).
private enum JWTKeys {
    static let cache = WebTokenKeyCache(capacity: 64)

    static func prepare(_ table: WebTokenKeyCache.Table) async -> Result<WebTokenKeys, WebTokenError> {
        do {
            return .success(try await cache.keys(for: table))
        } catch {
            return .failure(error)
        }
    }

    /// Runs `body` with the keys, or pushes `nil, reason` for a bad key.
    static func finish(
        _ prepared: Result<WebTokenKeys, WebTokenError>, on stack: LuaStack, _ body: (WebTokenKeys, LuaStack) -> Int32
    ) -> Int32 {
        switch prepared {
        case .success(let keys):
            return body(keys, stack)
        case .failure(let error):
            stack.pushNil()
            stack.push("\(error)")
            return 2
        }
    }
}
