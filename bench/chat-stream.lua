-- wrk: POST a small streaming chat request, usage included (key from the KEY
-- env var; with PORTKEY_HOST set, Portkey's headers naming the upstream).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")
if os.getenv("PORTKEY_HOST") then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = os.getenv("PORTKEY_HOST")
end
wrk.body = '{"model":"' .. (os.getenv("MODEL") or "bench/bench-model") ..
  '","stream":true,"stream_options":{"include_usage":true},' ..
  '"messages":[{"role":"user","content":"Say hello."}],"max_tokens":16}'
