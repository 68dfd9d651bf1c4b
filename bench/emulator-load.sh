#!/usr/bin/env bash
# Load test of one emulator process with wrk (Debian package `wrk`): how many requests and emulated
# output tokens per second it serves when the profile is not the limit (--speedup compresses
# emulated time). Loopback only, bounded in time, stops the emulator it started.
#
#   bench/emulator-load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_RUN=${1:-20}
CONNECTIONS=${2:-64}
PORT=${SIM_BENCH_PORT:-9401}
PROFILE=h100-vllm-llama3-8b
SPEEDUP=1000
URL="http://127.0.0.1:$PORT/v1/chat/completions"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

"$ROOT/sluice" sim --profile "$PROFILE" --port "$PORT" --speedup "$SPEEDUP" >"$ROOT/target/sim-bench.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null; wait $SIM 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.5
done
tokens() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^vllm:generation_tokens_total/ {print $2}'; }

echo "emulator: $PROFILE, --speedup $SPEEDUP; wrk -t1 -c$CONNECTIONS -d${SECONDS_PER_RUN}s"
wrk -t1 -c"$CONNECTIONS" -d5s -s "$ROOT/bench/sim/chat.lua" "$URL" >/dev/null   # warm-up (JIT)
for script in chat stream; do
  before=$(tokens)
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$ROOT/bench/sim/$script.lua" "$URL")
  after=$(tokens)
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  printf '%-7s %10s req/s  %10s emulated output tok/s  latency p50 %s p99 %s %s\n' "$script" "$rps" \
    "$(( (${after%.*} - ${before%.*}) / SECONDS_PER_RUN ))" "$p50" "$p99" "${errors:+($errors)}"
done
