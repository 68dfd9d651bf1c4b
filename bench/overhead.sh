#!/usr/bin/env bash
# bench/overhead.sh - what Sluice adds to a call, measured side by side in one interleaved run
# against the mock upstream called directly, a bare Vert.x pass-through (the floor for any
# Vert.x proxy) and the Portkey gateway, non-streaming and streaming.
#
#   bench/overhead.sh [--out-dir DIR] [--no-portkey] [--virtual-threads] [--prewarm S] [overhead.sh options, e.g. -r 5 -c 1,32]
#   bench/overhead.sh --report DIR     print the bars of an earlier run from DIR's results
#
# --prewarm S (default 60) first drives each Java target alone for S seconds at 32 connections,
# streaming and not, so that the JIT has compiled their request paths before any round is measured:
# on two busy cores Sluice needs 20 to 30 s of load for that, beyond the harness's warm-up of 5 s.
# --virtual-threads adds the bare pass-through written as blocking code on virtual threads.
# --metering adds a second Sluice whose calls use a tenant key and pass a budget and a rate limit
# (bench/overhead-keys.yaml), beside the first one, which has none of them.
#
# It uses the shared harness in ../shared/bench (override with BENCH_SCRIPTS), starts everything it
# needs on loopback, and stops what it started. Results: DIR/plain.tsv, DIR/stream.tsv and the
# printed tables (see docs/benchmarks.md), then the bars, from the medians: the added p50 at one
# connection (at most 0.040 ms) and the share of the bare pass-through's requests per second at 32
# (at least 60 %, also given per round); they are written to DIR/bars.txt too.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_SCRIPTS=${BENCH_SCRIPTS:-$ROOT/../shared/bench}
[ -x "$BENCH_SCRIPTS/overhead.sh" ] || { echo "bench: no harness at $BENCH_SCRIPTS (set BENCH_SCRIPTS)" >&2; exit 1; }

out_dir=$ROOT/target/bench/overhead-$(date -u +%Y%m%d-%H%M%S)
portkey=1
virtual=0
metering=0
prewarm=60
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out-dir) out_dir=$2; shift ;;
    --no-portkey) portkey=0 ;;
    --virtual-threads) virtual=1 ;;
    --metering) metering=1 ;;
    --prewarm) prewarm=$2; shift ;;
    --report) report_dir=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) pass+=("$1") ;;
  esac
  shift
done

# Prints the two overhead bars from DIR/plain.tsv (medians) and DIR/plain.rounds.tsv (rounds).
report_bars() {
  local dir=$1
  [ -f "$dir/plain.tsv" ] && [ -f "$dir/plain.rounds.tsv" ] || { echo "bench: no plain.tsv and plain.rounds.tsv in $dir" >&2; return 1; }
  awk -F'\t' '
    FNR == 1 { next }
    FILENAME ~ /rounds/ { if ($1 == "plain" && $2 == 32) round[$3, $4] = $7; rounds = ($3 > rounds ? $3 : rounds); next }
    $1 == "plain" { rps[$2, $3] = $7; added[$2, $3] = $11 }
    function verdict(ok) { return ok ? "met" : "missed" }
    END {
      print "bars (non-streaming, medians of the rounds):"
      if ((1, "sluice") in added && added[1, "sluice"] != "-") {
        a = added[1, "sluice"] / 1000
        line = sprintf("  1 connection:   Sluice adds %+.3f ms to the direct call (bar: at most +0.040 ms): %s", a, verdict(added[1, "sluice"] <= 40))
        if ((1, "bare") in added) line = line sprintf("; the bare pass-through adds %+.3f ms", added[1, "bare"] / 1000)
        print line
      } else print "  1 connection:   not measured"
      if ((32, "sluice") in rps && (32, "bare") in rps && rps[32, "bare"] > 0) {
        share = 100 * rps[32, "sluice"] / rps[32, "bare"]
        per = ""
        for (r = 1; r <= rounds; r++) if ((r, "sluice") in round && round[r, "bare"] > 0)
          per = per (per == "" ? "" : ", ") sprintf("%.0f", 100 * round[r, "sluice"] / round[r, "bare"])
        printf "  32 connections: Sluice serves %.1f %% of the bare pass-through'"'"'s requests per second (bar: at least 60 %%): %s; rounds %s %%\n", share, verdict(share >= 60), per
      } else print "  32 connections: not measured against the bare pass-through"
      if ((1, "portkey") in added && (32, "portkey") in rps && (32, "sluice") in rps)
        printf "  Portkey:        adds %+.3f ms at 1 connection and serves %.0f req/s at 32; Sluice is better on %s\n", added[1, "portkey"] / 1000, rps[32, "portkey"], (added[1, "sluice"] < added[1, "portkey"] && rps[32, "sluice"] > rps[32, "portkey"]) ? "both" : "not both"
    }' "$dir/plain.rounds.tsv" "$dir/plain.tsv" | tee "$dir/bars.txt"
}
if [ -n "${report_dir:-}" ]; then
  report_bars "$report_dir"
  exit
fi

mkdir -p "$out_dir"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

UP_PORT=18080 SLUICE_PORT=18100 KEYS_PORT=18101 BARE_PORT=18090 VT_PORT=18091 PK_PORT=18787
export UPSTREAM_URL=http://127.0.0.1:$UP_PORT/v1 SLUICE_BENCH_PORT=$SLUICE_PORT SLUICE_BENCH_STORE=$out_dir/sluice.db

. "$ROOT/bench/lib.sh"
build_bench_classpath

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${started_up:-}" ] && "$BENCH_SCRIPTS/upstream.sh" stop "$UP_PORT" || true
  [ -n "${started_pk:-}" ] && "$BENCH_SCRIPTS/peer-portkey.sh" stop "$PK_PORT" || true
}
trap cleanup EXIT

if ! "$BENCH_SCRIPTS/upstream.sh" status "$UP_PORT" >/dev/null 2>&1; then
  "$BENCH_SCRIPTS/upstream.sh" start "$UP_PORT"
  started_up=1
fi

log "starting Sluice on $SLUICE_PORT"
"$ROOT/sluice" serve --config "$ROOT/bench/overhead.yaml" >"$out_dir/sluice.log" 2>&1 &
sluice_pid=$!
pids+=("$sluice_pid")
log "starting the bare Vert.x pass-through on $BARE_PORT"
"$JAVA_HOME/bin/java" -Xms64m -Xmx384m -XX:+UseG1GC -cp "$BENCH_CP" dev.sluice.bench.BarePassThrough "$BARE_PORT" "http://127.0.0.1:$UP_PORT" \
  >"$out_dir/bare.log" 2>&1 &
bare_pid=$!
pids+=("$bare_pid")
if [ "$virtual" = 1 ]; then
  log "starting the bare pass-through on virtual threads on $VT_PORT"
  "$JAVA_HOME/bin/java" -Xms64m -Xmx384m -XX:+UseG1GC -cp "$BENCH_CP" dev.sluice.bench.BarePassThrough "$VT_PORT" "http://127.0.0.1:$UP_PORT" --virtual-threads \
    >"$out_dir/bare-vt.log" 2>&1 &
  vt_pid=$!
  pids+=("$vt_pid")
  wait_port "$VT_PORT" 30 || { cat "$out_dir/bare-vt.log" >&2; exit 1; }
fi
wait_port "$SLUICE_PORT" 60 || { cat "$out_dir/sluice.log" >&2; exit 1; }
if [ "$metering" = 1 ]; then
  log "starting Sluice with a tenant key, a budget and a rate limit on $KEYS_PORT"
  export SLUICE_KEYS_PORT=$KEYS_PORT SLUICE_KEYS_STORE=$out_dir/keys.db
  "$ROOT/sluice" serve --config "$ROOT/bench/overhead-keys.yaml" >"$out_dir/sluice-keys.log" 2>&1 &
  keys_pid=$!
  pids+=("$keys_pid")
  wait_port "$KEYS_PORT" 60 || { cat "$out_dir/sluice-keys.log" >&2; exit 1; }
  admin=(-sf -H 'authorization: Bearer sk-bench-admin-key-0001' -H 'content-type: application/json')
  curl "${admin[@]}" "http://127.0.0.1:$KEYS_PORT/admin/budgets" \
    -d '{"scope":"tenant","tenant":"bench","amount_usd":100000,"period":"day"}' >/dev/null
  curl "${admin[@]}" "http://127.0.0.1:$KEYS_PORT/admin/rate-limits" \
    -d '{"scope":"tenant","tenant":"bench","rpm":100000000,"tpm":100000000000}' >/dev/null
  sleep 3   # the rules refresh every 2 s
fi
wait_port "$BARE_PORT" 30 || { cat "$out_dir/bare.log" >&2; exit 1; }

targets=$out_dir/targets.txt
{
  echo "direct=http://127.0.0.1:$UP_PORT/v1 | pid=$("$BENCH_SCRIPTS/upstream.sh" pid "$UP_PORT")"
  echo "sluice=http://127.0.0.1:$SLUICE_PORT/v1 | X-Sluice-Cache: off | pid=$sluice_pid"
  [ "$metering" = 1 ] && echo "sluice-keys=http://127.0.0.1:$KEYS_PORT/v1 | X-Sluice-Cache: off | Authorization: Bearer sk-bench-tenant-key-0001 | pid=$keys_pid"
  echo "bare=http://127.0.0.1:$BARE_PORT/v1 | pid=$bare_pid"
  [ "$virtual" = 1 ] && echo "bare-vt=http://127.0.0.1:$VT_PORT/v1 | pid=$vt_pid"
} >"$targets"
if [ "$portkey" = 1 ]; then
  if ! "$BENCH_SCRIPTS/peer-portkey.sh" status "$PK_PORT" >/dev/null 2>&1; then
    "$BENCH_SCRIPTS/peer-portkey.sh" start "$PK_PORT" >&2
    started_pk=1
  fi
  echo "$("$BENCH_SCRIPTS/peer-portkey.sh" target "$PK_PORT") | pid=$("$BENCH_SCRIPTS/peer-portkey.sh" pid "$PK_PORT")" >>"$targets"
fi

# Steady state first: the JIT compiles a request path only after thousands of calls.
if [ "$prewarm" -gt 0 ]; then
  command -v wrk >/dev/null || (. "$BENCH_SCRIPTS/lib.sh" && ensure_apt wrk)
  body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32,"temperature":0'
  printf '%s}' "$body" >"$out_dir/prewarm-plain.json"
  printf '%s,"stream":true,"stream_options":{"include_usage":true}}' "$body" >"$out_dir/prewarm-stream.json"
  while IFS= read -r line; do
    name=${line%%=*}
    case "$name" in direct|portkey) continue ;; esac
    url=$(echo "$line" | cut -d'|' -f1 | sed -E 's/^[^=]+=//; s/[[:space:]]+$//')
    echo "$line" | cut -s -d'|' -f2- | tr '|' '\n' | grep -v 'pid=' | sed -E 's/^[[:space:]]+//' | grep -v '^$' \
      >"$out_dir/prewarm-headers" || true
    grep -qi '^authorization:' "$out_dir/prewarm-headers" || echo "Authorization: Bearer sk-bench" >>"$out_dir/prewarm-headers"
    log "pre-warming $name for ${prewarm}s"
    for kind in plain stream; do
      if [ "$kind" = plain ]; then secs=$((prewarm * 2 / 3)); else secs=$((prewarm - prewarm * 2 / 3)); fi
      WRK_BODY_FILE="$out_dir/prewarm-$kind.json" WRK_HEADERS_FILE="$out_dir/prewarm-headers" \
        wrk -t1 -c32 -d"${secs}s" -s "$BENCH_SCRIPTS/wrk-post.lua" "$url/chat/completions" >/dev/null
    done
  done <"$targets"
fi

log "non-streaming"
"$BENCH_SCRIPTS/overhead.sh" -f "$targets" --out "$out_dir/plain.tsv" "${pass[@]}" | tee "$out_dir/plain.txt"
log "streaming"
"$BENCH_SCRIPTS/overhead.sh" -f "$targets" --stream --out "$out_dir/stream.tsv" "${pass[@]}" | tee "$out_dir/stream.txt"
report_bars "$out_dir" || true
log "results in $out_dir"
