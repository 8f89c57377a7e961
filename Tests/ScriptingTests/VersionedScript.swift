/// A script for reload tests: every version greets a new client once (not a
/// reloaded one) and publishes its own version name to `/s` every 50 ms.
enum VersionedScript {
    static func source(_ version: String, extra: String = "") -> String {
        """
        sse.stream("/s", function(client)
          if client.reloaded then return end
          client:send("hello \(version)")
        end)
        sse.every(0.05, function() sse.publish("/s", "\(version)") end)
        \(extra)
        """
    }
}
