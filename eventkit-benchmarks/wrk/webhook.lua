-- POST /webhook/bench: a small JSON webhook (a payment provider's event). WRK_PATH overrides the path.
wrk.method = "POST"
wrk.path = os.getenv("WRK_PATH") or "/webhook/bench"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "Payments-Webhooks/1.0"
wrk.body = '{"id":"evt_1QxYz2","type":"payment_intent.succeeded","created":1764494130,'
  .. '"data":{"object":{"id":"pi_3Qx","amount":4250,"currency":"eur","status":"succeeded"}}}'

-- Paced instead of flat out when WRK_RATE is set (pacing.lua, beside this script).
dofile(debug.getinfo(1, "S").source:match("^@?(.*/)") .. "pacing.lua")
