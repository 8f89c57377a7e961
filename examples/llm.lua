-- A mock of an LLM streaming API (OpenAI-style chat completions): POST a prompt,
-- read the answer word by word as it is "generated", then `data: [DONE]`.
--   curl -N -d '{"messages":[{"role":"user","content":"What is SSE?"}]}' \
--        http://127.0.0.1:8080/v1/chat/completions
local sse = require "sse"

local answer = "Server-Sent Events push text from a server to a client over plain HTTP, "
  .. "one event at a time, and the browser reconnects by itself."

local function chunk(id, delta, finish)
  return { data = { id = id, object = "chat.completion.chunk", model = "mock",
                    choices = { { index = 0, delta = delta, finish_reason = finish or sse.json.null } } } }
end

sse.stream("/v1/chat/completions", function(client)
  local ok, request = pcall(sse.json.decode, client.body)
  if client.method ~= "POST" or not ok or type(request) ~= "table" or type(request.messages) ~= "table" then
    return client:deny(400, 'POST a JSON body like {"messages": [{"role": "user", "content": "hi"}]}')
  end
  local id = "chatcmpl-" .. client.id
  client:send(chunk(id, { role = "assistant" }))
  for word in answer:gmatch("%S+%s*") do
    sse.sleep(0.02)                                  -- "thinking"
    client:send(chunk(id, { content = word }))
  end
  client:send(chunk(id, {}, "stop"))
  client:send("[DONE]")
  client:close()
end)
