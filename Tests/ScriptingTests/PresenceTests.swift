import Foundation
import Testing

/// `client:on_close(fn)`: each way a client can go reaches the script with its
/// reason, as a user of a chat or a presence list would see it in the log.
@Suite(.timeLimit(.minutes(1))) struct PresenceTests {
    /// Every stream logs `left NAME REASON connected=BOOL member=BOOL` when a client goes.
    static func script(withGone: Bool = true) -> String {
        """
        local members = {}
        local function watch(client)
          members[client] = client.query.name
          client:on_close(function(c, reason)
            sse.log(string.format("left %s %s connected=%s member=%s",
              c.query.name or "?", reason, tostring(c.connected), tostring(members[c] ~= nil)))
            members[c] = nil
          end)
        end
        sse.stream("/room", function(client)
          watch(client)
          client:send("hi " .. client.query.name)
          local name = client.query.name
          if name == "closer" then client:close()
          elseif name == "dropper" then client:drop()
          elseif name == "failer" then error("boom") end
        end)
        sse.stream("/brief", function(client) watch(client); client:send("x") end, { timeout = 0.3 })
        sse.stream("/flood", function(client)
          watch(client)
          local blob = string.rep("x", 64000)
          for _ = 1, 400 do
            if not client:send(blob) then return end
            sse.sleep(0.005)
          end
        end)
        sse.stream("/late", function(client)
          client:send("x")
          local held = client
          sse.every(0.05, function(t)
            if not held.connected then
              t:cancel()
              held:on_close(function(c, reason) sse.log("late " .. reason) end)
            end
          end)
        end)
        \(withGone ? #"sse.stream("/gone", function(client) watch(client); client:send("x") end)"# : "")
        """
    }

    @Test func everyWayAClientGoesReachesOnCloseWithItsReason() async throws {
        let log = LogRecorder()
        let path = try TemporaryScript.write(Self.script())
        let live = try await LiveServer.start(
            script: "file:" + path, logger: log.logger, configure: { $0.clientBuffer = 64 << 10 })
        let port = live.port
        func open(_ target: String, receiveBuffer: Int32? = nil) throws -> RawConnection {
            let connection = try RawConnection(port: port, receiveBuffer: receiveBuffer)
            connection.send("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n")
            return connection
        }
        func expectLine(_ text: String, seconds: Double = 10) async throws {
            try await waitUntil(seconds: seconds) { log.contains(text) }
        }
        do {
            // peer: the client closes its connection.
            let peer = try open("/room?name=peer")
            _ = peer.read(until: "hi peer")
            peer.close()
            try await expectLine("left peer peer connected=false member=true")
            // closed: the script closes it, or drops it.
            for name in ["closer", "dropper"] {
                let connection = try open("/room?name=\(name)")
                _ = connection.read(until: "hi \(name)")
                try await expectLine("left \(name) closed connected=false member=true")
            }
            // error: its handler fails after its first send.
            let failer = try open("/room?name=failer")
            try await expectLine("left failer error connected=false member=true")
            failer.close()
            // timeout: its stream's time is up.
            let started = Date()
            let brief = try open("/brief?name=brief")
            try await expectLine("left brief timeout connected=false member=true")
            #expect(Date().timeIntervalSince(started) >= 0.3)
            #expect(brief.read(until: "0\r\n\r\n").hasSuffix("0\r\n\r\n"), "a clean end")
            // slow: it reads nothing while the script sends 12 MB/s.
            let slow = try open("/flood?name=slow", receiveBuffer: 4096)
            try await expectLine("left slow slow connected=false member=true")
            slow.close()
            // A function given once the client is gone runs at once, with how it went.
            let late = try open("/late?name=late")
            _ = late.read(until: "data: x")
            late.close()
            try await expectLine("late peer")
            // reload: the new version no longer has its path.
            let gone = try open("/gone?name=reloaded")
            _ = gone.read(until: "data: x")
            try Self.script(withGone: false).write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try await live.scriptServer.reload(because: "test"))
            try await expectLine("left reloaded reload connected=false member=true")
            // shutdown: the server stops while it is connected.
            let stayer = try open("/room?name=stayer")
            _ = stayer.read(until: "hi stayer")
            try await live.stop()
            try await expectLine("left stayer shutdown connected=false member=true", seconds: 1)
        } catch {
            try? await live.stop()
            throw error
        }
        #expect(!log.contains("script error in on_close"))
    }

    @Test func onCloseRunsAsACoroutineThatMaySleepAndPublish() async throws {
        let script = """
            sse.stream("/chat", function(client)
              client:on_close(function(c, reason)
                sse.sleep(0.1)
                sse.publish("/chat", { event = "left", data = c.query.name .. " " .. reason })
              end)
              client:send("welcome")
            end)
            """
        try await withLiveServer(script: script) { live in
            let watcher = EventCollector(live.url("/chat?name=watcher"))
            try await watcher.waitFor { $0 == ["welcome"] }
            let leaver = try RawConnection(port: live.port)
            leaver.send("GET /chat?name=ada HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = leaver.read(until: "welcome")
            leaver.close()
            try await watcher.waitFor { $0.count == 2 }
            #expect(watcher.events.last?.event == "left")
            #expect(watcher.data.last == "ada peer")
        }
    }

    @Test func onCloseWithoutAFunctionNamesTheArgument() async throws {
        let log = LogRecorder()
        let script = """
            sse.stream("/s", function(client)
              local ok, err = pcall(client.on_close, client, 42)
              client:send(tostring(err))
            end)
            """
        try await withLiveServer(script: script, logger: log.logger) { live in
            let events = try await withTimeout(10) {
                var stream = try await SSEClient.open(live.url("/s"))
                return try await stream.next(1)
            }
            #expect(events.first?.data?.contains("bad argument #2") == true, "\(events)")
            #expect(events.first?.data?.contains("function expected") == true)
        }
    }
}
