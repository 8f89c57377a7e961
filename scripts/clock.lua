-- The classic SSE clock.
-- Every client of /sse gets a reconnection delay of 6 s and the date at once;
-- then, every 6 seconds, everyone gets a `timeMessage` event with the date.
local sse = require "sse"

sse.stream("/sse", function(client)
  if client.reloaded then return end            -- already greeted before a reload
  client:send{ retry = 6000, data = os.date() }
end)

sse.every(6, function()
  sse.publish("/sse", { event = "timeMessage", data = os.date() })
end)
