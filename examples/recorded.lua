-- A recorded feed served again, offline, with its timing (ticker.sserec: `ssescript record URL -o ticker.sserec`).
--   curl -N http://127.0.0.1:8080/ticker          one endless replay that everybody shares
--   curl -N 'http://127.0.0.1:8080/once?speed=4'  a replay of its own, four times as fast, then the end
local sse = require "sse"

sse.stream("/ticker", nil, { history = 50 })
assert(sse.replay("ticker.sserec", { to = "/ticker", loop = true }))

sse.stream("/once", function(client)
  local replay, err = sse.replay("ticker.sserec", { client = client, speed = tonumber(client.query.speed) or 1 })
  if not replay then return client:deny(500, err) end
  replay:wait()
  client:send{ event = "end", data = "that was the whole recording" }
  client:close()
end)
