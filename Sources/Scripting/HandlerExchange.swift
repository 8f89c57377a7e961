import LuaRuntime
import NIOCore
import NIOHTTP1
import PushServer

/// `sse.get`/`sse.post`/… handlers: the request table they get and the response
/// made of what they return (`status[, body[, headers]]`).
extension ScriptVM {
    /// `{ method, path, uri, query, headers, body, remote }`.
    func pushRequest(_ request: Request, on stack: LuaStack) {
        stack.newTable(fieldCount: 7)
        stack.push(request.method.rawValue)
        stack.rawSet(-2, "method")
        stack.push(request.path)
        stack.rawSet(-2, "path")
        stack.push(request.uri)
        stack.rawSet(-2, "uri")
        pushStrings(request.query, on: stack)
        stack.rawSet(-2, "query")
        pushHeaders(request.headers, on: stack)
        stack.rawSet(-2, "headers")
        request.body.withUnsafeReadableBytes { stack.push(bytes: $0) }
        stack.rawSet(-2, "body")
        stack.push(request.remoteAddress)
        stack.rawSet(-2, "remote")
    }

    /// The response a handler returned: nothing (`204`), a status with an optional
    /// body and headers, or just a body (`200`). A table body is sent as JSON.
    func response(from stack: LuaStack, at base: Int32, count: Int32) throws -> Response {
        guard count > 0, stack.type(at: base) != .nil else { return Response(status: .noContent) }
        var bodyIndex = base
        var status = HTTPResponseStatus.ok
        if stack.type(at: base) == .number {
            guard let code = stack.integer(at: base), (100...599).contains(code) else {
                throw ScriptAPIError(
                    "handler returned status \(stack.numberText(at: base)), not an HTTP status (100 to 599)")
            }
            status = HTTPResponseStatus(statusCode: code)
            bodyIndex += 1
        }
        var response = Response(status: status)
        if bodyIndex < base + count {
            switch stack.type(at: bodyIndex) {
            case .nil: break
            case .string:
                stack.withBytes(at: bodyIndex) { response.body = ByteBuffer(bytes: $0) }
                response.headers.append(("Content-Type", "text/plain; charset=utf-8"))
            case .number:
                response.body = ByteBuffer(string: stack.numberText(at: bodyIndex))
                response.headers.append(("Content-Type", "text/plain; charset=utf-8"))
            case .table:
                response.body = ByteBuffer(string: try encodeJSON(stack, at: bodyIndex))
                response.headers.append(("Content-Type", "application/json"))
            case let type:
                throw ScriptAPIError("handler returned a \(type.name) body; a string or table expected")
            }
        }
        let headersIndex = bodyIndex + 1
        if headersIndex < base + count, stack.type(at: headersIndex) != .nil {
            guard stack.type(at: headersIndex) == .table else {
                throw ScriptAPIError("handler returned \(stack.typeName(at: headersIndex)) headers; a table expected")
            }
            try forEachField(stack, table: headersIndex) { name in
                guard stack.type(at: -1) == .string || stack.type(at: -1) == .number else {
                    throw ScriptAPIError("header \(name) must be a string")
                }
                let value = stack.type(at: -1) == .string ? stack.string(at: -1)! : stack.numberText(at: -1)
                if let problem = Response.problem(name: name, value: value) { throw ScriptAPIError(problem) }
                response.headers.removeAll { $0.0.lowercased() == name.lowercased() }
                response.headers.append((name, value))
            }
        }
        return response
    }
}
