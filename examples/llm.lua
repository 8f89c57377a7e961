-- A mock of an OpenAI-compatible chat completions API, for building and testing
-- LLM front-ends without a model: the official clients (openai for Python or JS,
-- LangChain, ...) talk to it as they would to the real service.
--   curl -N -d '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"What is SSE?"}]}' \
--        http://127.0.0.1:8080/v1/chat/completions
--   client = openai.OpenAI(base_url="http://127.0.0.1:8080/v1", api_key="unused")
--
-- "stream": true  -> chat.completion.chunk events, word by word, then `data: [DONE]`;
--                    with "stream_options": {"include_usage": true}, a last chunk
--                    with the usage and no choices before [DONE]
-- otherwise       -> one JSON chat.completion body
-- The model named in the request is echoed back; "max_tokens" (or
-- "max_completion_tokens") cuts the answer short with finish_reason "length".
-- Tokens are counted as words.
local sse = require "sse"

local answer = "Server-Sent Events push text from a server to a client over plain HTTP, "
  .. "one event at a time, and the browser reconnects by itself."

local function count_words(text)
  local n = 0
  for _ in tostring(text or ""):gmatch("%S+") do n = n + 1 end
  return n
end

-- An error as OpenAI sends them, so the clients raise their usual exception.
local function refuse(client, message, param)
  return client:respond(400, { error = { message = message, type = "invalid_request_error",
                                         param = param or sse.json.null, code = sse.json.null } })
end

sse.stream("/v1/chat/completions", function(client)
  if client.method ~= "POST" then
    return client:deny(400, 'POST a JSON body like {"messages": [{"role": "user", "content": "hi"}]}')
  end
  local ok, request = pcall(sse.json.decode, client.body)
  if not ok or type(request) ~= "table" then return refuse(client, "the body is not valid JSON") end
  if type(request.messages) ~= "table" or #request.messages == 0 then
    return refuse(client, "'messages' must be a non-empty array", "messages")
  end

  -- The answer, cut at max_tokens words.
  local limit = math.tointeger(request.max_completion_tokens or request.max_tokens)
  local words, finish = {}, "stop"
  for word in answer:gmatch("%S+%s*") do
    if limit and #words >= limit then finish = "length"; break end
    words[#words + 1] = word
  end
  local prompt_tokens = 0
  for _, message in ipairs(request.messages) do
    prompt_tokens = prompt_tokens + count_words(type(message) == "table" and message.content)
  end
  local usage = { prompt_tokens = prompt_tokens, completion_tokens = #words,
                  total_tokens = prompt_tokens + #words }
  local id, model, created = "chatcmpl-" .. client.id, request.model or "mock", os.time()

  if request.stream ~= true then
    return client:respond(200, { id = id, object = "chat.completion", created = created, model = model,
      choices = { { index = 0, finish_reason = finish, logprobs = sse.json.null,
                    message = { role = "assistant", content = table.concat(words), refusal = sse.json.null } } },
      usage = usage })
  end

  local with_usage = type(request.stream_options) == "table" and request.stream_options.include_usage == true
  local function chunk(delta, reason)
    return { data = { id = id, object = "chat.completion.chunk", created = created, model = model,
      choices = { { index = 0, delta = delta, logprobs = sse.json.null, finish_reason = reason or sse.json.null } },
      usage = with_usage and sse.json.null or nil } }
  end
  client:send(chunk({ role = "assistant", content = "" }))
  for _, word in ipairs(words) do
    sse.sleep(0.02)                                  -- "thinking"
    if not client:send(chunk({ content = word })) then return end   -- the client went away
  end
  client:send(chunk({}, finish))
  if with_usage then
    -- "choices" must be an empty array; lua-cjson would write an empty table as {}.
    local last = sse.json.encode({ id = id, object = "chat.completion.chunk", created = created, model = model,
                                   usage = usage, choices = "[]" })
    client:send((last:gsub('"choices":"%[%]"', '"choices":[]')))
  end
  client:send("[DONE]")
  client:close()
end)
