-- wrk script: short non-streamed chat completions (16 output tokens each).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"meta-llama/Meta-Llama-3-8B-Instruct","messages":[{"role":"user","content":"Say something short."}],"max_tokens":16,"ignore_eos":true}'
