-- Shared by the scenario scripts: WRK_RATE (requests/s over all WRK_CONNS connections) paces each connection
-- instead of running flat out. wrk's delay() takes whole milliseconds, so rates above 1,000 per connection run
-- flat out.
local rate = tonumber(os.getenv("WRK_RATE") or "0")
if rate > 0 then
  local pause = 1000 * tonumber(os.getenv("WRK_CONNS") or "1") / rate
  function delay()
    return pause
  end
end
