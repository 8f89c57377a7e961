-- A chat room: everyone on /chat sees every message; POST /chat sends one.
--   curl -N 'http://127.0.0.1:8080/chat?name=ada'
--   curl -d '{"name":"bob","text":"hi"}' http://127.0.0.1:8080/chat
local sse = require "sse"

sse.stream("/chat", function(client)
  local name = client.query.name or ("guest " .. client.id)
  client:send{ event = "welcome", data = { you = name, online = sse.clients("/chat") + 1 } }
  sse.publish("/chat", { event = "joined", data = { name = name } })
end)

sse.post("/chat", function(req)
  local ok, message = pcall(sse.json.decode, req.body)
  if not ok or type(message) ~= "table" or type(message.text) ~= "string" then
    return 400, 'send JSON like {"name": "ada", "text": "hello"}\n'
  end
  sse.publish("/chat", { event = "message", data = { name = message.name or "anonymous", text = message.text } })
  return 204
end)
