-- The benchmark peer (see ../shared/bench/README.md): what every peer serves.
--   /tick?ms=M   each connection gets "data: <ts_us> tick" every M ms, from its own handler
--   /broadcast   one timer every BCAST_MS ms sends "id: <seq>" + "data: <ts_us> <seq>" to all
local sse = require "sse"

local function now_us() return math.floor(sse.now() * 1e6) end

sse.stream("/tick", function(client)
  local seconds = (tonumber(client.query.ms) or 1000) / 1000
  client:send{ retry = 6000 }
  while true do
    sse.sleep(seconds)
    if not client:send(now_us() .. " tick") then return end
  end
end)

sse.stream("/broadcast", function(client) client:send{ retry = 6000 } end)

local seq = 0
sse.every((tonumber(os.getenv("BCAST_MS")) or 100) / 1000, function()
  seq = seq + 1
  sse.publish("/broadcast", { id = seq, data = now_us() .. " " .. seq })
end)
