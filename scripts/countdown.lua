-- Per-connection sequential code: /countdown?from=N sends N, N-1, ... 0,
-- one a second, each with its number as id, then ends the stream.
-- sse.sleep pauses only this client's handler; everyone else goes on.
local sse = require "sse"

sse.stream("/countdown", function(client)
  local from = math.tointeger(tonumber(client.query.from)) or 10
  for n = from, 0, -1 do
    client:send{ id = n, data = n }
    if n > 0 then sse.sleep(1) end
  end
  client:close()
end)
