import Logging
import NIOCore
import PushServer

/// `GET /_ssescript/status`: what the console's status area and log show, in one
/// JSON object refreshed every second. Members other than these are shown by the
/// page as they come (a panel that adds a member needs no change to the page to
/// be seen; it may add a renderer for it).
///
/// ```json
/// { "script": "chat.lua", "reload": { "ok": true, "error": null },
///   "streams": [{ "path": "/chat", "clients": 2, "history": 100, "ids": null, "jitter": 0, "timeout": null }],
///   "handlers": [{ "path": "/chat", "methods": ["POST"] }], "events": ["message"],
///   "clients": [{ "id": 4, "path": "/chat", "query": "name=ada", "remote": "127.0.0.1",
///                 "protocol": "http/1.1", "console": "p1-x7" }], "client_count": 2,
///   "log": { "next": 12, "lines": [{ "seq": 11, "time": 1764080542.1, "level": "info", "text": "…" }] } }
/// ```
extension ScriptHost {
    /// Clients listed at most; `client_count` says how many there are.
    static let consoleClientLimit = 200

    func status(logAfter: Int) -> ConsoleJSON {
        let hub = server.hub
        let streams = (vm?.streams ?? [:]).sorted { $0.key < $1.key }.map { path, declaration in
            let options = declaration.options
            return ConsoleJSON.object([
                ("path", .string(path)), ("clients", .int(hub.count(topic: path))),
                ("history", .int(options.history ?? server.configuration.history)),
                ("ids", options.autoIDs ? .string("auto") : .null),
                ("jitter", .number(Double(options.jitter?.nanoseconds ?? 0) / 1e9)),
                ("timeout", options.timeout.map { .number(Double($0.nanoseconds) / 1e9) } ?? .null),
            ])
        }
        let handlers = (vm?.handlers ?? [:]).sorted { $0.key < $1.key }.map { path, methods in
            ConsoleJSON.object([
                ("path", .string(path)), ("methods", .array(methods.keys.sorted().map { .string($0) })),
            ])
        }
        let clients = hub.clients.sorted { $0.id < $1.id }.prefix(Self.consoleClientLimit).map { client in
            let request = client.request
            let query = request.uri.firstIndex(of: "?").map { String(request.uri[request.uri.index(after: $0)...]) }
            return ConsoleJSON.object([
                ("id", .int(client.id)), ("path", .string(request.path)), ("query", .string(query ?? "")),
                ("remote", .string(request.remoteAddress)), ("protocol", .string(request.protocolName)),
                ("console", .string(request.query["ssescript_console"])),
            ])
        }
        return .object([
            ("script", .string(scriptPath)),
            ("reload", .object([("ok", .bool(lastReloadError == nil)), ("error", .string(lastReloadError))])),
            ("streams", .array(streams)), ("handlers", .array(handlers)),
            ("events", .array(eventNames.map { .string($0) })),
            ("clients", .array(Array(clients))), ("client_count", .int(hub.count())),
            ("log", logJSON(after: logAfter)), ("activity", activity()),
        ])
    }

    private func logJSON(after sequence: Int) -> ConsoleJSON {
        let (next, lines) = consoleLog.lines(after: sequence)
        return .object([
            ("next", .int(next)),
            (
                "lines",
                .array(
                    lines.map { line in
                        .object([
                            ("seq", .int(line.sequence)), ("time", .number(line.time)),
                            ("level", .string(line.level.rawValue)), ("text", .string(line.text)),
                        ])
                    })
            ),
        ])
    }
}
