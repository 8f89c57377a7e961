-- A Mercure hub (https://mercure.rocks), as the protocol's v0.x line speaks it.
--   MERCURE_PUBLISHER_JWT_KEY=... MERCURE_SUBSCRIBER_JWT_KEY=... MERCURE_ANONYMOUS=1 \
--     ssescript serve examples/mercure.lua
-- Subscribe (EventSource, or curl), with topics or URI templates:
--   curl -N 'http://127.0.0.1:8080/.well-known/mercure?topic=https://example.com/books/{id}'
-- Publish, with a JWT whose "mercure" claim has "publish": ["*"] (or topic selectors):
--   curl -H "Authorization: Bearer $JWT" -d topic=https://example.com/books/1 \
--        -d 'data={"title":"Dune"}' http://127.0.0.1:8080/.well-known/mercure
--
-- Publishing: POST form fields topic (repeatable), data, id, type, retry, private;
-- the JWT from `Authorization: Bearer` or the `mercureAuthorization` cookie; the
-- answer is the update's id (a urn:uuid: one when none is given).
-- Subscribing: ?topic= (repeatable): an exact topic, a URI template (RFC 6570) or
-- `*`; the JWT (cookie, header or ?authorization=) lets its `mercure.subscribe`
-- selectors receive private updates; without one only when MERCURE_ANONYMOUS=1.
-- Last-Event-ID (header, or ?lastEventID=) replays the updates published after it
-- (`earliest`: all that are kept); the hub keeps the last 1000.
-- Left out: the subscriptions API and its events, the Last-Event-ID response
-- header, discovery (that is the publisher's Link header), encrypted updates.
local sse = require "sse"

-- Keys, HS256 by default (MERCURE_*_JWT_ALG=RS256 and a PEM key work too); the
-- development default is Mercure's own. sse.jwt wants an HS256 key of 32 bytes or more.
local dev_key = "!ChangeThisMercureHubJWTSecretKey!"
local function keys(role)
  local key = os.getenv("MERCURE_" .. role .. "_JWT_KEY") or os.getenv("MERCURE_PUBLISHER_JWT_KEY") or dev_key
  return { [(os.getenv("MERCURE_" .. role .. "_JWT_ALG") or "HS256"):lower()] = key }
end
local publisher_keys, subscriber_keys = keys("PUBLISHER"), keys("SUBSCRIBER")
local anonymous = os.getenv("MERCURE_ANONYMOUS") == "1"
if not os.getenv("MERCURE_PUBLISHER_JWT_KEY") then sse.log("mercure: using the development JWT key") end

sse.state.updates = sse.state.updates or {}      -- the last updates, oldest first; kept across reloads
local history, subscribers = sse.state.updates, {}  -- subscribers by client id

-- application/x-www-form-urlencoded (a POST body or a query): name -> list of values.
local function decode(s)
  return (s:gsub("%+", " "):gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end
local function form(text)
  local fields = {}
  for pair in (text or ""):gmatch("[^&]+") do
    local name, value = pair:match("^([^=]*)=?(.*)$")
    name = decode(name)
    fields[name] = fields[name] or {}
    table.insert(fields[name], decode(value))
  end
  return fields
end

-- The claims of the request's JWT; nil without one; nil and a reason when it does not verify.
local function authorize(request, query, key_set)
  local header, token = request.headers.authorization, nil
  if header then
    token = header:match("^Bearer%s+(%S+)$")
    if not token then return nil, "invalid Authorization header" end
  else
    token = query.authorization and query.authorization[1]
    for cookie in (request.headers.cookie or ""):gmatch("[^;]+") do
      token = token or cookie:match("^%s*mercureAuthorization=(.-)%s*$")
    end
  end
  if not token then return nil end
  local claims, reason = sse.jwt.verify(token, key_set)
  if not claims then return nil, reason end
  return claims
end

-- The selectors a claim lists ("publish" or "subscribe"), or nil.
local function claimed(claims, name)
  local mercure = claims and claims.mercure
  return type(mercure) == "table" and type(mercure[name]) == "table" and mercure[name] or nil
end

-- URI templates: each {expression} matches what RFC 6570 could expand it to, by its
-- operator (level 1 {var} to level 4 {/var*}): an optional prefix, then characters
-- of its set. Prefix lengths (:3) are not checked.
local unreserved, reserved = "%w%-%._~%%", "%w%-%._~%%:/%?#%[%]@!%$&'%(%)%*%+,;="
local operators = {
  [""] = { set = unreserved }, ["+"] = { set = reserved }, ["#"] = { prefix = "#", set = reserved },
  ["."] = { prefix = ".", set = unreserved }, ["/"] = { prefix = "/", set = unreserved .. "/" },
  [";"] = { prefix = ";", set = unreserved .. ";=" }, ["?"] = { prefix = "?", set = unreserved .. "&=" },
  ["&"] = { prefix = "&", set = unreserved .. "&=" },
}
local function compile(template)
  local parts, at = {}, 1
  for start, operator, names, after in template:gmatch("(){([+#./;?&]?)([^}]*)}()") do
    if start > at then parts[#parts + 1] = { literal = template:sub(at, start - 1) } end
    local op = operators[operator]
    local list = names:find("[,*]") and "," or ""   -- several variables or a list: commas too
    parts[#parts + 1] = { prefix = op.prefix, set = "^[" .. op.set .. list .. "]" }
    at = after
  end
  if at <= #template then parts[#parts + 1] = { literal = template:sub(at) } end
  return function(topic)                -- does topic match? (memoized backtracking)
    local seen = {}
    local function match(i, p)
      local key = i * (#topic + 2) + p
      if seen[key] ~= nil then return seen[key] end
      local part, result = parts[i], false
      if not part then
        result = p == #topic + 1
      elseif part.literal then
        result = topic:sub(p, p + #part.literal - 1) == part.literal and match(i + 1, p + #part.literal)
      else
        result = match(i + 1, p)                      -- an expression may expand to nothing
        local q = p
        if not result and (not part.prefix or topic:sub(q, q) == part.prefix) then
          q = part.prefix and q + 1 or q
          local stop = q
          while stop <= #topic and topic:sub(stop, stop):find(part.set) do stop = stop + 1 end
          for e = stop, q, -1 do
            if match(i + 1, e) then result = true; break end
          end
        end
      end
      seen[key] = result
      return result
    end
    return match(1, 1)
  end
end

local templates = {}
local function matches(selector, topic)
  if selector == "*" or selector == topic then return true end
  if not selector:find("{", 1, true) then return false end
  if not templates[selector] then templates[selector] = compile(selector) end
  return templates[selector](topic)
end
local function any_match(topics, selectors)
  for _, topic in ipairs(topics) do
    for _, selector in ipairs(selectors) do
      if matches(selector, topic) then return true end
    end
  end
  return false
end

-- Whether a subscriber gets an update: one of its topics matches, and a private
-- update only with a subscribe claim that matches it too.
local function wanted(subscriber, update)
  return any_match(update.topics, subscriber.selectors)
    and (not update.private or any_match(update.topics, subscriber.allowed))
end

local function uuid()
  local b = {}
  for i = 1, 16 do b[i] = math.random(0, 255) end
  b[7], b[9] = b[7] & 0x0f | 0x40, b[9] & 0x3f | 0x80   -- version 4, RFC 4122 variant
  return ("urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x"):format(table.unpack(b))
end

sse.post("/.well-known/mercure", function(req)
  local fields = form(req.body)
  local claims = authorize(req, {}, publisher_keys)
  local allowed = claimed(claims, "publish")
  if not allowed then return 401, "Unauthorized" end
  local topics = fields.topic
  if not topics then return 400, 'Missing "topic" parameter' end
  local retry = fields.retry and fields.retry[1]
  if retry and not retry:match("^%d+$") then return 400, 'Invalid "retry" parameter' end
  for _, topic in ipairs(topics) do      -- each topic must be one the publisher may publish to
    if not any_match({ topic }, allowed) then return 401, "Unauthorized" end
  end
  local id, kind = fields.id and fields.id[1], fields.type and fields.type[1]
  if id == nil or id == "" then id = uuid() end
  if id:find("[\r\n%z]") or (kind and kind:find("[\r\n%z]")) then return 400, "Invalid id or type" end
  local update = { topics = topics, private = fields.private ~= nil,
                   event = { id = id, event = kind ~= "" and kind or nil,
                             data = fields.data and fields.data[1] or "", retry = tonumber(retry) } }
  history[#history + 1] = update
  if #history > 1000 then table.remove(history, 1) end
  for client_id, subscriber in pairs(subscribers) do
    if not subscriber.client.connected then
      subscribers[client_id] = nil
    elseif wanted(subscriber, update) then
      subscriber.client:send(update.event)
    end
  end
  return 200, id
end)

sse.stream("/.well-known/mercure", function(client)
  local function refuse(status, message)       -- after a reload the stream has started already
    if client.reloaded then return client:close() end
    return client:deny(status, message)
  end
  local query = form(client.uri:match("%?(.*)$"))
  local claims, problem = authorize(client, query, subscriber_keys)
  if problem or (not claims and not anonymous) then return refuse(401, "Unauthorized") end
  if not query.topic then return refuse(400, 'Missing "topic" parameter.') end
  local subscriber = { client = client, selectors = query.topic, allowed = claimed(claims, "subscribe") or {} }
  if claims and math.type(claims.exp) then        -- the stream ends when its token does
    sse.after(math.max(0.001, claims.exp - os.time()), function() client:close() end)
  end

  local last = client.headers["last-event-id"] or (query.lastEventID or {})[1]
  if last and not client.reloaded then            -- replay what came after it
    local from = last == "earliest" and 1 or nil
    for i = #history, 1, -1 do
      if from then break end
      if history[i].event.id == last then from = i + 1 end
    end
    for i = from or #history + 1, #history do     -- an id it does not know: nothing
      if wanted(subscriber, history[i]) then client:send(history[i].event) end
    end
  end
  subscribers[client.id] = subscriber
end, { history = 0 })   -- the hub keeps its own history: ssescript's would not know the selectors
