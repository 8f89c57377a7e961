import EventStream
import NIOCore
import NIOHTTP1
import PushServer

/// The developer console: the page at `/` (when the script has nothing there)
/// and its endpoints under `/_ssescript/`, which exist only while the page does.
///
/// The endpoints answer only requests from this machine (a loopback peer), and
/// only the console's own page: a request that carries an `Origin` other than the
/// server's own, or that a browser marks as cross-site (`Sec-Fetch-Site`), gets
/// `403`. So a web page the developer visits cannot drop their clients or read
/// their log, whatever `--cors` allows for the streams.
///
/// | endpoint | |
/// |---|---|
/// | `GET /_ssescript/status?log_after=N` | streams with their clients, handlers, clients, the last reload, log lines after `N` (JSON) |
/// | `POST /_ssescript/drop`, `/close`, `/stall?seconds=S` | acts on the clients named by `?client=ID` or `?console=TOKEN` (the console's `ssescript_console` query parameter) |
/// | `POST /_ssescript/publish?topic=T[&event=E&id=I&retry=R]` | publishes the body as the event's data |
enum Console {
    static let prefix = "/_ssescript/"

    /// The endpoints and their methods.
    static let endpoints: [(name: String, method: String)] = [
        ("status", "GET"), ("drop", "POST"), ("close", "POST"), ("stall", "POST"), ("publish", "POST"),
    ]

    /// The page and the endpoints the script does not declare itself.
    static func addRoutes(to routes: inout RouteTable) {
        routes.handlers["/"] = ["GET"]
        for (name, method) in endpoints {
            let path = prefix + name
            if routes.handlers[path] == nil && routes.streams[path] == nil { routes.handlers[path] = [method] }
        }
    }

    /// Why the console refuses `request`, if it does.
    static func refusal(of request: Request) -> Response? {
        guard isLoopback(request.remoteAddress) else {
            return Response(status: .forbidden, text: "the console answers only requests from this machine")
        }
        let host = request.headers.first(name: "host")?.lowercased() ?? ""
        if let origin = request.headers.first(name: "origin") {
            let authority = origin.firstRange(of: "://").map { origin[$0.upperBound...].lowercased() }
            guard authority == host else {
                return Response(status: .forbidden, text: "the console answers only its own page, not \(origin)")
            }
        }
        if let site = request.headers.first(name: "sec-fetch-site"), site != "same-origin", site != "none" {
            return Response(status: .forbidden, text: "the console answers only its own page, not a \(site) one")
        }
        return nil
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }

    static func json(_ value: ConsoleJSON, status: HTTPResponseStatus = .ok) -> Response {
        Response(
            status: status,
            headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            body: ByteBuffer(string: value.text))
    }
}

extension ScriptHost {
    /// Whether the console is at `/`: the script has nothing there.
    var isServingConsole: Bool { vm?.handlers["/"] == nil && vm?.streams["/"] == nil }

    /// The console's answer to `request`, or nil if it is the script's to answer.
    func consoleResponse(to request: Request) -> Response? {
        if request.path == "/" {
            return ConsolePage.response(streams: streamPaths, events: eventNames, reloadError: lastReloadError)
        }
        guard request.path.hasPrefix(Console.prefix), vm?.handlers[request.path] == nil else { return nil }
        if let refusal = Console.refusal(of: request) { return refusal }
        switch request.path.dropFirst(Console.prefix.count) {
        case "status": return Console.json(status(logAfter: request.query["log_after"].flatMap { Int($0) } ?? 0))
        case "drop": return act(on: request, .drop)
        case "close": return act(on: request, .close)
        case "stall":
            guard let seconds = request.query["seconds"].flatMap(Double.init), seconds >= 0, seconds <= 3600 else {
                return Response(status: .badRequest, text: "stall needs ?seconds= from 0 to 3600")
            }
            return act(on: request, .stall(.nanoseconds(Int64(seconds * 1e9))))
        case "publish": return publish(request)
        default: return nil
        }
    }

    /// Drops, closes or stalls the clients `?client=ID` or `?console=TOKEN` names.
    private func act(on request: Request, _ action: ScriptVM.ClientAction) -> Response {
        let clients = server.hub.clients.filter { client in
            if let id = request.query["client"] { return String(client.id) == id }
            if let token = request.query["console"] { return client.request.query["ssescript_console"] == token }
            return false
        }
        guard !clients.isEmpty else {
            return Response(status: .notFound, text: "no connected client matches ?client=ID or ?console=TOKEN")
        }
        for client in clients.sorted(by: { $0.id < $1.id }) {
            if let vm { vm.perform(action, on: client) } else { server.hub.drop(client) }
        }
        return Console.json(.object([("clients", .array(clients.map(\.id).sorted().map { .int($0) }))]))
    }

    /// Publishes the body as the data of an event to `?topic=`, with `event`, `id`, `retry` from the query.
    private func publish(_ request: Request) -> Response {
        guard let topic = request.query["topic"], !topic.isEmpty else {
            return Response(status: .badRequest, text: "publish needs ?topic=")
        }
        var event = ServerSentEvent(data: String(buffer: request.body))
        event.event = request.query["event"].flatMap { $0.isEmpty ? nil : $0 }
        event.id = request.query["id"].flatMap { $0.isEmpty ? nil : $0 }
        if let retry = request.query["retry"], !retry.isEmpty {
            guard let milliseconds = Int(retry), milliseconds >= 0 else {
                return Response(status: .badRequest, text: "retry must be a whole number of milliseconds")
            }
            event.retry = milliseconds
        }
        do {
            let delivered = try server.hub.publish(event, to: topic)
            return Console.json(.object([("topic", .string(topic)), ("delivered", .int(delivered))]))
        } catch let error as PublishUnavailable {
            return Response(status: .serviceUnavailable, text: error.description)
        } catch {
            return Response(status: .badRequest, text: "\(error)")
        }
    }
}
