-- benchmarks/topic-memory/run.py: one event with an id to each of many per-user topics.
sse.stream("/sse")
-- `per` events with ids to each of the topics user:from ... user:from+count-1
sse.post("/publish", function(req)
  local from, count = tonumber(req.query.from), tonumber(req.query.count)
  local per = tonumber(req.query.per or "1")
  for k = 1, per do
    for n = from, from + count - 1 do
      sse.publish("user:" .. n, { id = tostring(n * 1000 + k), data = "hello user " .. n })
    end
  end
  collectgarbage()
  return 204
end)
