-- A job per connection: GET /progress?steps=N runs a (pretend) job of N steps for
-- this client alone, sends `event: progress` after each step, then `event: done`
-- with the result, and ends the stream. Open http://127.0.0.1:8080/ for a page
-- with a progress bar.
--   curl -N 'http://127.0.0.1:8080/progress?steps=5'
--
-- Each progress event carries its step as id: a browser whose connection breaks
-- comes back with Last-Event-ID and the job goes on from the next step. A page
-- closes its EventSource on `done` (or EventSource would start over).
local sse = require "sse"

local page = [[<!doctype html>
<meta charset="utf-8"><title>progress</title>
<p><progress id="bar" max="100" value="0"></progress> <span id="text">starting…</span></p>
<script>
  const source = new EventSource("/progress?steps=20");
  source.addEventListener("progress", (e) => {
    const p = JSON.parse(e.data);
    bar.value = p.percent;
    text.textContent = p.percent + " % (step " + p.step + " of " + p.steps + ")";
  });
  source.addEventListener("done", (e) => {
    source.close();                                  // the job is over: do not reconnect
    text.textContent = "done: " + JSON.parse(e.data).result;
  });
</script>
]]

sse.get("/", function()
  return 200, page, { ["Content-Type"] = "text/html; charset=utf-8" }
end)

sse.stream("/progress", function(client)
  if client.reloaded then return client:close() end  -- a reload: it comes back with Last-Event-ID
  local steps = math.tointeger(tonumber(client.query.steps)) or 10
  if steps < 1 or steps > 1000 then return client:deny(400, "steps must be from 1 to 1000") end
  local done = math.tointeger(tonumber(client.last_event_id)) or 0   -- steps already reported
  if done >= steps then return client:deny(410, "this job is finished") end

  client:send{ retry = 1000 }
  for step = done + 1, steps do
    sse.sleep(0.05 + math.random() * 0.1)           -- the work of one step
    local sent = client:send{ event = "progress", id = step,
                              data = { step = step, steps = steps, percent = step * 100 // steps } }
    if not sent then return end                      -- the client left: stop working for it
  end
  client:send{ event = "done", data = { result = "processed " .. steps .. " items" } }
  client:close()
end, { history = 0 })   -- nothing is published to /progress: no history to resume from
