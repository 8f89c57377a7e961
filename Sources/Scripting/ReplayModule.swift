import EventStream
import FeedClient
import LuaRuntime
import NIOCore
import PushServer

/// `sse.replay(file, options)`: plays a recording made by `ssescript record` to a
/// topic (`to = "/topic"`) or to one client (`client = c`) with its original
/// timing (`speed`, `loop`, `from`). Returns a handle with `:cancel()` and
/// `:wait()` (which yields the calling coroutine until the replay ends), or
/// `nil, message` when the file cannot be read or is not a recording.
extension ScriptVM {
    func installReplay(in module: Int32) {
        let stack = lua.stack
        stack.setFunction(module, "replay", bound { try $0.replay($1) })
        stack.newTable()
        stack.push(Replays.metatable)
        stack.rawSet(-2, "__name")
        stack.newTable()
        stack.setFunction(-1, "cancel", bound { try $0.cancelReplay($1) })
        stack.setFunction(-1, "wait", bound { try $0.waitForReplay($1) })
        stack.rawSet(-2, "__index")
        stack.setFunction(
            -1, "__gc",
            bound { vm, stack in
                if let id = stack.userdataID(at: 1, metatable: Replays.metatable) { vm.replays.noteCollected(id) }
                return .none
            })
        stack.setRegistry(Replays.metatable)
    }

    func replay(_ stack: LuaStack) throws -> LuaReturn {
        let file = try stack.checkString(1)
        guard stack.type(at: 2) == .table else {
            throw LuaArgumentError(
                2, "table of options expected (to = \"/topic\" or client = c), got \(stack.typeName(at: 2))")
        }
        let (playback, target) = try replayOptions(stack, at: 2)
        guard let target else { return failure("the client is gone", on: stack) }
        let recording: Recording
        do {
            recording = try Recording(contentsOfFile: resolve(file))
        } catch {
            return failure("\(error)", on: stack)
        }
        let events = recording.events.map { (time: $0.time, event: $0.event) }
        if let bad = events.first(where: { (try? $0.event.validate()) == nil }) {
            return failure("\(resolve(file)): the event at @\(seconds(bad.time)) cannot be sent as it is", on: stack)
        }
        let period = max(events.last?.time ?? .zero, Self.endTime(of: recording) ?? .zero)
        if playback.loops, period <= playback.from || !events.contains(where: { $0.time >= playback.from }) {
            return failure("\(resolve(file)): nothing to loop at or after @\(seconds(playback.from))", on: stack)
        }
        let replay = Replay(
            id: replays.makeID(), events: events, period: period, playback: playback, target: target, hub: hub,
            scheduler: scheduler,
            report: { [weak self] message in
                guard let self else { return }
                errors.error(message, now: scheduler.now)
            })
        stack.pushUserdata(id: replay.id, metatable: Replays.metatable)
        replays.add(replay)
        if replay.outcome == nil {
            stack.pushValue(at: -1)
            replay.object = stack.reference()
        }
        return .values(1)
    }

    /// `to` or `client` (one of them), `speed`, `loop`, `from`. The target is nil
    /// when the client given is gone.
    private func replayOptions(_ stack: LuaStack, at index: Int32) throws -> (Replay.Playback, Replay.Target?) {
        var playback = Replay.Playback()
        var topic: String?
        var client: (Client?, given: Bool) = (nil, false)
        try forEachField(stack, table: index) { key in
            switch key {
            case "to":
                guard stack.type(at: -1) == .string, let name = stack.string(at: -1) else {
                    throw LuaArgumentError(index, "option to must be a topic name such as \"/feed\"")
                }
                topic = name
            case "client":
                guard let id = stack.userdataID(at: -1, metatable: Sessions.metatable) else {
                    throw LuaArgumentError(index, "option client must be a client")
                }
                client = (sessions[id]?.client, true)
            case "speed":
                guard let speed = stack.number(at: -1), speed > 0, speed.isFinite else {
                    throw LuaArgumentError(index, "option speed must be a number greater than 0")
                }
                playback.speed = speed
            case "loop":
                guard stack.type(at: -1) == .boolean else {
                    throw LuaArgumentError(index, "option loop must be a boolean")
                }
                playback.loops = stack.boolean(at: -1)
            case "from":
                guard let from = stack.number(at: -1), from >= 0, from.isFinite else {
                    throw LuaArgumentError(index, "option from must be a number of seconds of 0 or more")
                }
                playback.from = .nanoseconds(Int64(min(from, 1e9) * 1e9))
            default:
                throw LuaArgumentError(
                    index, "unknown option \"\(key)\" (expected to, client, speed, loop or from)")
            }
        }
        switch (topic, client.given) {
        case (let topic?, false): return (playback, .topic(topic))
        case (nil, true): return (playback, client.0.flatMap { $0.isConnected ? .client($0) : nil })
        default: throw LuaArgumentError(index, "give one of to = \"/topic\" or client = c")
        }
    }

    func cancelReplay(_ stack: LuaStack) throws -> LuaReturn {
        guard let id = stack.userdataID(at: 1, metatable: Replays.metatable) else {
            throw LuaArgumentError(1, "replay expected, got \(stack.typeName(at: 1))")
        }
        replays[id]?.cancel()
        return .none
    }

    /// Yields until the replay ends: `true` when it played to its end, else `nil, reason`.
    func waitForReplay(_ stack: LuaStack) throws -> LuaReturn {
        guard let id = stack.userdataID(at: 1, metatable: Replays.metatable) else {
            throw LuaArgumentError(1, "replay expected, got \(stack.typeName(at: 1))")
        }
        guard let replay = replays[id] else { return .none }  // the script was reloaded
        if let outcome = replay.outcome {
            guard outcome != "finished" else {
                stack.push(true)
                return .values(1)
            }
            return failure(outcome, on: stack)
        }
        guard let waker = runner.suspendCurrent(holdingClientPending: false) else {
            throw ScriptAPIError("replay:wait can only be called inside a handler or timer")
        }
        replay.wait(waker)
        return .hostYield
    }

    // MARK: Helpers

    private func failure(_ message: String, on stack: LuaStack) -> LuaReturn {
        stack.pushNil()
        stack.push(message)
        return .values(2)
    }

    /// A path relative to the script's directory, as `require` finds modules.
    private func resolve(_ file: String) -> String {
        file.hasPrefix("/") ? file : scriptDirectory + "/" + file
    }

    /// `1.500000`.
    private func seconds(_ time: Duration) -> String {
        let micros = time.nanoseconds / 1000
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// The time in the `# end: … after 12.000345 s, …` line `ssescript record` writes.
    static func endTime(of recording: Recording) -> Duration? {
        guard let line = recording.metadata("end"), let after = line.firstRange(of: " after ") else { return nil }
        let number = line[after.upperBound...].prefix { $0.isNumber || $0 == "." }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        return .nanoseconds(Int64(value * 1e9))
    }
}
