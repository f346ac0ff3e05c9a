-- POST /webhook/bench: a small JSON webhook (a payment provider's event). WRK_PATH overrides the path.
wrk.method = "POST"
wrk.path = os.getenv("WRK_PATH") or "/webhook/bench"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "Payments-Webhooks/1.0"
wrk.body = '{"id":"evt_1QxYz2","type":"payment_intent.succeeded","created":1764494130,'
  .. '"data":{"object":{"id":"pi_3Qx","amount":4250,"currency":"eur","status":"succeeded"}}}'

-- WRK_RATE (requests/s over all WRK_CONNS connections) paces each connection instead of running flat out.
local rate = tonumber(os.getenv("WRK_RATE") or "0")
if rate > 0 then
  local pause = 1000 * tonumber(os.getenv("WRK_CONNS") or "1") / rate
  function delay()
    return pause
  end
end
