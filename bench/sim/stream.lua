-- wrk script: streamed chat completions of exactly 256 output tokens (one SSE event per token).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"meta-llama/Meta-Llama-3-8B-Instruct","messages":[{"role":"user","content":"Tell me a long story."}],"max_tokens":256,"ignore_eos":true,"stream":true}'
