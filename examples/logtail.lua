-- tail -f over SSE: every line appended to a file becomes an event.
--   LOGTAIL_FILE=/var/log/app.log ssescript serve examples/logtail.lua
--   curl -N http://127.0.0.1:8080/log
-- or any file directly inside one directory, chosen by the client:
--   LOGTAIL_DIR=/var/log/myapp ssescript serve examples/logtail.lua
--   curl -N 'http://127.0.0.1:8080/log?file=worker.log'
--
-- Only what the environment names can be read: with LOGTAIL_DIR, ?file= must be
-- a plain name (letters, digits, '.', '_', '-'; not starting with '.'), so no
-- '/', no '..', no hidden file; it must be a file, not a directory. A symlink
-- inside the directory is followed: put there only what may be read.
--
-- A new client starts at the end of the file. Each event's id is the byte offset
-- after its line, so a client that comes back with Last-Event-ID gets the lines
-- it missed, read again from the file (up to 1 MiB of them). A reload of this
-- script ends the streams for that reason: EventSource comes back and misses nothing.
local sse = require "sse"

local file = os.getenv("LOGTAIL_FILE") or "app.log"
local dir = os.getenv("LOGTAIL_DIR")
local watches = {}               -- path -> { topic, offset }: the files clients follow

-- The path ?file= names, or nil, status, message.
local function path_for(name)
  if not dir then return file end
  if type(name) ~= "string" or #name > 255 or not name:match("^[%w_%-][%w._%-]*$") then
    return nil, 400, "?file= must be a plain file name in " .. dir
  end
  return dir .. "/" .. name
end

-- The complete lines of `path` between byte offsets `from` and `to` (at most 1 MiB
-- read at once), each with the offset after it; a last line without its newline
-- is left for later.
local function lines(path, from, to)
  local result = {}
  local f = io.open(path, "rb")
  if not f then return result end
  f:seek("set", from)
  local chunk = f:read(math.min(to - from, 1 << 20)) or ""
  f:close()
  local offset = from
  for line, after in chunk:gmatch("([^\n]*)\n()") do
    result[#result + 1] = { data = line:gsub("\r$", ""), id = from + after - 1 }
    offset = from + after - 1
  end
  if offset == from and #chunk == 1 << 20 then    -- one line over 1 MiB: send it as it is
    result[1] = { data = chunk, id = from + #chunk }
  end
  return result
end

local function size_of(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local _, problem = f:read(1)                    -- a directory opens, but does not read
  local size = f:seek("end")
  f:close()
  if problem then return nil end
  return size
end

sse.stream("/log", function(client)
  if client.reloaded then return client:close() end  -- a reload: it comes back with Last-Event-ID
  local path, status, problem = path_for(client.query.file)
  if not path then return client:deny(status, problem) end
  local size = size_of(path)
  if not size then return client:deny(404, "no file to follow at " .. path) end
  local watch = watches[path]
  if not watch then
    watch = { topic = "log:" .. path, offset = size }
    watches[path] = watch
  end
  client:comment("following " .. path)            -- the stream starts (nothing kept to replay)
  local from = math.tointeger(tonumber(client.last_event_id))
  if from and from < watch.offset then            -- what it missed, straight from the file
    for _, line in ipairs(lines(path, math.max(from, watch.offset - (1 << 20)), watch.offset)) do
      client:send(line)
    end
  end
  client:subscribe(watch.topic)                   -- then every new line, with everyone else
end, { history = 0 })

-- Four times a second, the new complete lines of each file someone follows.
sse.every(0.25, function()
  for path, watch in pairs(watches) do
    local size = size_of(path)
    if sse.clients(watch.topic) == 0 then
      watches[path] = nil                         -- nobody follows it any more
    elseif size and size < watch.offset then
      watch.offset = 0                            -- truncated or replaced: from its start
    elseif size and size > watch.offset then
      for _, line in ipairs(lines(path, watch.offset, size)) do
        sse.publish(watch.topic, line)
        watch.offset = line.id
      end
    end
  end
end)
