-- A stock ticker: a JSON price tick for every symbol twice a second (a random walk).
--   curl -N http://127.0.0.1:8080/ticker                      every symbol
--   curl -N 'http://127.0.0.1:8080/ticker?symbols=AAPL,MSFT'  only those
--   curl -N -H 'Last-Event-ID: <an id you saw>' 'http://127.0.0.1:8080/ticker?symbols=AAPL,MSFT'
--
-- Each choice of symbols is a topic of its own ("ticker:AAPL,MSFT", sorted), so a
-- tick is encoded once for everyone who chose the same symbols, and each topic
-- keeps the last 100 ticks it got: a client that comes back with Last-Event-ID
-- gets exactly the ticks of its symbols that it missed, in order.
local sse = require "sse"

local prices = { AAPL = 189.50, MSFT = 411.20, GOOG = 152.80, AMZN = 178.30 }
local symbols = {}
for symbol in pairs(prices) do symbols[#symbols + 1] = symbol end
table.sort(symbols)

local topics = {}              -- topic name -> set of its symbols, made as clients ask
-- Ids name one run of the server ("<start>-<n>"): after a restart an old id
-- names nothing, and the client gets `ssescript-gap` rather than wrong ticks.
-- sse.state keeps the run across reloads.
sse.state.run = sse.state.run or os.time()
sse.state.n = sse.state.n or 0

-- The topic for ?symbols=A,B (nil and a message when a symbol is unknown).
local function topic_for(list)
  local chosen = {}
  for symbol in (list or table.concat(symbols, ",")):gmatch("[^,%s]+") do
    symbol = symbol:upper()
    if not prices[symbol] then
      return nil, "unknown symbol " .. symbol .. " (known: " .. table.concat(symbols, ", ") .. ")"
    end
    chosen[symbol] = true
  end
  local names = {}
  for symbol in pairs(chosen) do names[#names + 1] = symbol end
  if #names == 0 then return nil, "no symbol in ?symbols=" end
  table.sort(names)
  local topic = "ticker:" .. table.concat(names, ",")
  topics[topic] = chosen
  return topic
end

sse.stream("/ticker", function(client)
  local topic, problem = topic_for(client.query.symbols)
  if not topic then return client:deny(400, problem) end
  client:subscribe(topic)        -- before the first send: a resume replays from this topic
  client:send{ retry = 1000 }
end)

sse.every(0.5, function()
  for _, symbol in ipairs(symbols) do
    local old = prices[symbol]
    local price = math.max(1, math.floor((old * (1 + (math.random() - 0.5) / 100)) * 100 + 0.5) / 100)
    prices[symbol] = price
    sse.state.n = sse.state.n + 1
    local tick = { event = "tick", id = sse.state.run .. "-" .. sse.state.n, data = {
      symbol = symbol, price = price, change = math.floor((price - old) * 100 + 0.5) / 100, time = sse.now() } }
    -- Every topic that has this symbol gets the tick, with or without subscribers
    -- right now: one of them may be reconnecting.
    for name, chosen in pairs(topics) do
      if chosen[symbol] then sse.publish(name, tick) end
    end
  end
end)
