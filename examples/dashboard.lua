-- A live dashboard feed: JSON metrics every second, numbered by the server and
-- kept for 60 s, so a browser that loses its connection gets what it missed
-- (EventSource sends Last-Event-ID when it reconnects).
--   curl -N http://127.0.0.1:8080/metrics
--   curl -N -H 'Last-Event-ID: <an id you saw>' http://127.0.0.1:8080/metrics
local sse = require "sse"

local started = sse.now()
local requests = 0

sse.stream("/metrics", function(client)
  client:send{ retry = 2000 }                   -- reconnect quickly
end, { history = 60, ids = "auto" })

sse.post("/hit", function()                     -- something to count
  requests = requests + 1
  return 204
end)

sse.every(1, function()
  sse.publish("/metrics", { event = "metrics", data = {
    uptime = math.floor(sse.now() - started),
    clients = sse.clients("/metrics"),
    requests = requests,
    lua_kb = math.floor(collectgarbage("count")),
  } })
end)
