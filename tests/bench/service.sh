#!/usr/bin/env bash
# service.sh: gliad's service-level figures on this machine (a benchmark, not a test).
#
#   tests/bench/service.sh [build-dir]      (default build-release; builds it if needed)
#
# 1. wrk: GET /v1/sessions/{name} on loopback while 2 sessions train (req/s, p50, p99)
# 2. concurrent event streams held open (sse_streams), and /healthz meanwhile
# 3. checkpoint cost for the exp 024 network: store transactions with a checkpoint
#    (from the daemon's own histogram) and the core's serialisation alone (bench_core)
# 4. recovery time of 100 sessions (stop, start, time to "recovered")
# 5. wall time of the exp 024 template (10 seeds x 3 conditions x 20,000 episodes)
# Needs: wrk, curl, python3. Prints a summary; never asserts a number.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build-release}
if [ ! -x "$B/gliad" ] || [ ! -x "$B/tests/sse_streams" ]; then
  cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DGLIA_TESTS=ON >/dev/null
  cmake --build "$B" -j"$(nproc)" --target gliad sse_streams bench_core >/dev/null
fi
T=$(mktemp -d /tmp/glia-bench-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
ulimit -n 65536 2>/dev/null || true

start() { # start [flags...]: gliad on an ephemeral port, data in $T/data
  rm -f "$T/port"
  "$B/gliad" serve --listen 127.0.0.1:0 --data-dir "$T/data" --port-file "$T/port" "$@" 2>>"$T/gliad.log" &
  PID=$!
  for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
  P=$(cat "$T/port"); U=http://127.0.0.1:$P
}
stop() { kill -TERM "$PID"; wait "$PID" || true; }
post() { curl -sf -X POST "$U$1" -d "$2" >/dev/null; }
state() { curl -sf "$U/v1/sessions/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

echo "== 1. wrk: GET /v1/sessions/{name} while 2 sessions train"
start --max-connections 8192 --max-connections-per-ip 0
for s in a b; do post /v1/sessions "{\"name\":\"$s\",\"preset\":\"maturity\",\"seed\":1}"; post /v1/sessions/$s/run '{"episodes":10000000}'; done
sleep 1
wrk -t2 -c32 -d10s --latency "$U/v1/sessions/a" | grep -E "Requests/sec|50%|99%|Latency|requests in"
curl -sf "$U/v1/sessions/a" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("  meanwhile session a:", d["state"], d["progress"]["episode"], "episodes,", round(d["progress"]["steps_per_second"]), "steps/s")'

echo "== 2. concurrent event streams"
for n in 1000 4000; do "$B/tests/sse_streams" "$P" a "$n" 20; done
echo "  gliad RSS: $(ps -o rss= -p "$PID") KiB"
post /v1/sessions/a/cancel '{}'; post /v1/sessions/b/cancel '{}'
stop

echo "== 3. checkpoint cost (exp 024 network)"
rm -rf "$T/data"; start --checkpoint-seconds 0.05
for s in c1 c2; do post /v1/sessions "{\"name\":\"$s\",\"preset\":\"maturity\",\"seed\":2}"; post /v1/sessions/$s/run '{"episodes":20000}'; done
while [ "$(state c1)" = running ] || [ "$(state c2)" = running ]; do sleep 0.5; done
curl -sf "$U/metrics" | python3 -c '
import sys
m = {}
for line in sys.stdin:
    if line.startswith("glia_store_checkpoint_duration_seconds_"):
        k, v = line.rsplit(" ", 1); m[k] = float(v)
n = m["glia_store_checkpoint_duration_seconds_count"]; s = m["glia_store_checkpoint_duration_seconds_sum"]
print("  store transactions with a checkpoint: %d, mean %.2f ms (incl. fsync, WAL, synchronous=FULL)" % (n, 1000 * s / n))'
curl -sf "$U/v1/sessions/c1/snapshot" | python3 -c 'import json,sys; print("  checkpoint size:", json.load(sys.stdin)["bytes"], "bytes")'
stop
"$B/tests/bench_core" --preset maturity --episodes 2000 --repeat 1 --json 2>/dev/null | python3 -c '
import json,sys; d=json.load(sys.stdin)
for k, v in d.items():
    if "snapshot" in k or "save" in k: print("  core", k, "=", v)' || true

echo "== 4. recovery of 100 sessions"
rm -rf "$T/data"; start
for i in $(seq 100); do post /v1/sessions "{\"name\":\"r$i\",\"preset\":\"maturity\",\"seed\":$i}"; post /v1/sessions/r$i/run '{"episodes":300}'; done
while curl -sf "$U/v1/sessions?state=running&limit=1" | grep -q '"name"'; do sleep 0.2; done
stop
t0=$(date +%s.%N); start; t1=$(date +%s.%N)
grep "recovered" "$T/gliad.log" | tail -1 | sed 's/^/  /'
python3 -c "print('  start to listening (incl. loading 100 sessions): %.3f s' % ($t1 - $t0))"
stop

echo "== 5. exp 024 template (10 seeds x 3 conditions x 20,000 episodes) over the API"
rm -rf "$T/data"; start
curl -sf "$U/v1/experiments/templates" | python3 -c 'import json,sys; print(json.dumps([t["body"] for t in json.load(sys.stdin)["items"] if t["name"]=="exp024"][0]))' > "$T/exp024.json"
t0=$(date +%s.%N)
curl -sf -X POST "$U/v1/experiments" -d @"$T/exp024.json" >/dev/null
while [ "$(curl -sf "$U/v1/experiments/exp024" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = running ]; do sleep 1; done
t1=$(date +%s.%N)
python3 -c "print('  wall time: %.1f s (the reference program: about 400 s)' % ($t1 - $t0))"
curl -sf "$U/v1/experiments/exp024/report?format=md" | sed -n '7,16p'
stop
