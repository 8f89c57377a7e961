import ArgumentParser

@main
struct SSEScript: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssescript",
        abstract: "A Server-Sent Events server driven by Lua 5.4 scripts.",
        discussion: """
            The script declares streams and what is pushed to them:

              local sse = require "sse"
              sse.stream("/sse", function(client) client:send{ retry = 6000, data = os.date() } end)
              sse.every(6, function() sse.publish("/sse", { event = "timeMessage", data = os.date() }) end)
            """,
        subcommands: [Serve.self, Check.self, Record.self, Bench.self]
    )
}
