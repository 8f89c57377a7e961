-- 19,000 clients of one topic leaving at once: /sse holds them, /count says how many.
local sse = require "sse"
sse.stream("/sse", function(client) client:send{ retry = 60000 } end)
sse.get("/count", function() return tostring(sse.clients()) end)
