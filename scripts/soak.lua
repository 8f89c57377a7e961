-- The feed of `make soak`: a numbered event every 40 ms on /feed, kept for
-- clients that come back, numbered on across reloads (the count is in sse.state).
-- A client that asks for /feed?padding also gets 64 KB of padding (no id, kept
-- nowhere) with every event: the soak's slow reader, which the server drops.
sse.stream("/feed", function(client)
  if client.query.padding then client:subscribe("padding") end
end, { history = 20000 })

local padding = string.rep("p", 65536)
sse.state.n = sse.state.n or 0
local timer
if sse.state.running ~= false then
  timer = sse.every(0.04, function()
    sse.state.n = sse.state.n + 1
    sse.publish("/feed", { id = tostring(sse.state.n), data = string.rep("x", 400) .. " " .. sse.state.n })
    if sse.clients("padding") > 0 then sse.publish("padding", padding) end
  end)
end

-- the soak ends: no more events; answers the last id
sse.post("/stop", function()
  if timer then timer:cancel() end
  sse.state.running = false
  return 200, tostring(sse.state.n)
end)

sse.get("/clients", function() return 200, tostring(sse.clients("/feed")) end)
