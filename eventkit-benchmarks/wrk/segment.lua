-- POST /collect: one Segment track call as analytics.js sends it (the benchmarks' TrackEvents body).
-- WRK_PATH overrides the path.
wrk.method = "POST"
wrk.path = os.getenv("WRK_PATH") or "/collect"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
wrk.body = '{"type":"track","event":"Order Completed","messageId":"7f3c2a9e-5d1b-4c8e-9a6f-0b2d4e6f8a1c",'
  .. '"anonymousId":"a4e1c0de-77b2-4f0e-8d3a","userId":"user-48213","timestamp":"2026-11-23T10:15:30.120Z",'
  .. '"sentAt":"2026-11-23T10:15:30.250Z","properties":{"orderId":"o-90817","revenue":42.5,"currency":"EUR",'
  .. '"items":3},"context":{"library":{"name":"analytics.js","version":"5.2.0"},"page":{"path":"/checkout/done"},'
  .. '"locale":"de-DE"}}'

-- Paced instead of flat out when WRK_RATE is set (pacing.lua, beside this script).
dofile(debug.getinfo(1, "S").source:match("^@?(.*/)") .. "pacing.lua")
