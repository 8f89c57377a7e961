-- 300 coroutines resumed 1,000 times each (sse.sleep(0): one wake per millisecond
-- resumes all of them); logs the process CPU the 300,000 resumes took.
sse.stream("/s")
local running, started = 300, nil
sse.after(0.2, function()
  started = os.clock()
  for _ = 1, 300 do
    sse.after(0, function()
      for _ = 1, 1000 do sse.sleep(0) end
      running = running - 1
      if running == 0 then sse.log(string.format("RESUMES 300000 CPU %.3f", os.clock() - started)) end
    end)
  end
end)
