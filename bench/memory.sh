#!/usr/bin/env bash
# bench/memory.sh [COUNT] - resident memory of Sluice holding COUNT (default 1000) slow streams
# open at once, started with the launcher's default JVM options; measured without and with the
# in-process embedding model loaded. Prints RSS before, and the peak while the streams are open.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COUNT=${1:-1000}
. "$ROOT/bench/lib.sh"
build_bench_classpath
log() { printf '[memory %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
UP=18200 PORT=18201
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

"$JAVA_HOME/bin/java" -Xmx256m -cp "$BENCH_CP" dev.sluice.bench.SlowStreams server "$UP" 40 >"$work/up.log" 2>&1 &
pids+=($!)
wait_port "$UP" 30

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

measure() {  # measure LABEL CONFIG_FILE [embed]
  local label=$1 config=$2
  "$ROOT/sluice" serve --config "$config" >"$work/sluice-$label.log" 2>&1 &
  local pid=$!
  wait_port "$PORT" 60 || { cat "$work/sluice-$label.log" >&2; exit 1; }
  if [ "${3:-}" = embed ]; then
    curl -sf "http://127.0.0.1:$PORT/v1/embeddings" -H 'content-type: application/json' \
      -d '{"model":"all-minilm-l6-v2","input":["load the model"]}' >/dev/null
  fi
  sleep 2
  local before
  before=$(rss_kb "$pid")
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  "$JAVA_HOME/bin/java" -Xmx512m -cp "$BENCH_CP" dev.sluice.bench.SlowStreams clients \
    "http://127.0.0.1:$PORT/v1/chat/completions" "$COUNT" 15 >"$work/clients.log" 2>&1 &
  local cpid=$!
  local peak=0 now
  while kill -0 "$cpid" 2>/dev/null; do
    now=$(rss_kb "$pid")
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.5
  done
  grep -E "OPEN|DONE" "$work/clients.log" >&2 || true
  printf '%-28s streams=%s  RSS before %4d MiB  peak %4d MiB  (VmHWM %d MiB)\n' "$label" "$COUNT" \
    $((before / 1024)) $((peak / 1024)) $(($(hwm_kb "$pid") / 1024))
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

cat >"$work/plain.yaml" <<YAML
listen: 127.0.0.1:$PORT
models:
  - name: slow
    deployments:
      - {provider: openai, base_url: "http://127.0.0.1:$UP/v1"}
YAML
cat "$work/plain.yaml" >"$work/embed.yaml"
cat >>"$work/embed.yaml" <<YAML
  - name: all-minilm-l6-v2
    deployments:
      - {provider: local}
YAML

log "without the embedding model"
measure "without embedding model" "$work/plain.yaml"
log "with the embedding model loaded"
measure "with embedding model" "$work/embed.yaml" embed
