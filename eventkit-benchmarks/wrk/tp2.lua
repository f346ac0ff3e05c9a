-- POST /com.snowplowanalytics.snowplow/tp2: one Snowplow page view per request, as the JavaScript tracker sends
-- it (payload_data 1-0-4 with a web_page context). WRK_PATH overrides the path (for other collectors).
wrk.method = "POST"
wrk.path = os.getenv("WRK_PATH") or "/com.snowplowanalytics.snowplow/tp2"
wrk.headers["Content-Type"] = "application/json; charset=UTF-8"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
wrk.body = '{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[{'
  .. '"e":"pv","url":"https://shop.example/products/42?utm_source=news","page":"Product 42",'
  .. '"refr":"https://shop.example/","tv":"js-3.24.0","tna":"sp1","aid":"shop","p":"web",'
  .. '"tz":"Europe/Berlin","lang":"de-DE","cs":"UTF-8","res":"1920x1080","cd":"24","cookie":"1",'
  .. '"eid":"6a9b0b0e-3c4f-4d3a-9f1e-2b7c8d9e0f11","dtm":"1764494130120","stm":"1764494130250",'
  .. '"vp":"1280x720","ds":"1280x3000","vid":"3","sid":"2f1c6b3e-8a9d-4e7f-b0c1-d2e3f4a5b6c7",'
  .. '"duid":"b1e2c3d4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",'
  .. '"co":"{\\"schema\\":\\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0\\",\\"data\\":[{'
  .. '\\"schema\\":\\"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0\\",'
  .. '\\"data\\":{\\"id\\":\\"0c6b5a4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d\\"}}]}"}]}'

-- Paced instead of flat out when WRK_RATE is set (pacing.lua, beside this script).
dofile(debug.getinfo(1, "S").source:match("^@?(.*/)") .. "pacing.lua")
