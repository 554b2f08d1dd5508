-- wrk: POST a small streaming chat request (key from the KEY env var).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")
wrk.body = '{"model":"' .. (os.getenv("MODEL") or "bench/bench-model") ..
  '","stream":true,"messages":[{"role":"user","content":"Say hello."}],"max_tokens":16}'
