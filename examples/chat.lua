-- A chat room: everyone on /chat sees every message, and who joins and who leaves.
--   curl -N 'http://127.0.0.1:8080/chat?name=ada'
--   curl -d '{"name":"bob","text":"hi"}' http://127.0.0.1:8080/chat
local sse = require "sse"

local online = {}   -- client -> name, while it is connected

local function members()
  local names = {}
  for _, name in pairs(online) do names[#names + 1] = name end
  table.sort(names)
  return names
end

sse.stream("/chat", function(client)
  local name = client.query.name or ("guest " .. client.id)
  online[client] = name
  -- However it goes (closed tab, network, slow reader, server stop), the room hears it.
  client:on_close(function(_, reason)
    online[client] = nil
    sse.publish("/chat", { event = "left", data = { name = name, reason = reason, online = #members() } })
  end)
  if client.reloaded then return end   -- after a reload: still here, no new greeting
  client:send{ event = "welcome", data = { you = name, online = #members(), members = members() } }
  sse.publish("/chat", { event = "joined", data = { name = name, online = #members() } })
end)

sse.post("/chat", function(req)
  local ok, message = pcall(sse.json.decode, req.body)
  if not ok or type(message) ~= "table" or type(message.text) ~= "string" then
    return 400, 'send JSON like {"name": "ada", "text": "hello"}\n'
  end
  sse.publish("/chat", { event = "message", data = { name = message.name or "anonymous", text = message.text } })
  return 204
end)
