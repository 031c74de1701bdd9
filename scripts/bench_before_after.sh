#!/usr/bin/env bash
# Two builds of the chain, same machine, same run, same load: GenerateDataKey at 64 kept-alive
# connections in cleartext through `nitro-kms-proxy --simulate`, alternating ROUNDS times so that
# drift of a shared VM hits both alike. Used to compare the proxy before issue 16 (it parsed HTTP,
# verified SigV4 and multiplexed requests as frames over a few control-link connections) with the
# byte relay (one enclave stream per client connection, SigV4 verified in the enclave), and so to
# choose between the two (docs/benchmarks/notes.md).
#
# Usage: scripts/bench_before_after.sh OLD_BIN_DIR NEW_BIN_DIR
#   (each holding nitro-kms, nitro-kms-proxy, nitro-kms-enclave; release builds)
#   ROUNDS (default 3), DURATION seconds (default 5), CONCURRENCY (default 64)
# Prints one JSON line per run ({"build": "old"|"new", ...bench --json}) and a summary.
# Listens on 127.0.0.1 only; stops everything it starts.
set -euo pipefail
OLD=$1 NEW=$2
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-5} CONCURRENCY=${CONCURRENCY:-64}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-before-after.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
run() { # BUILD BIN_DIR ROUND
  local build=$1 bin=$2 round=$3 dir="$WORK/$1-$3" extra=()
  # The relay build has its own admin port; keep it off 9601.
  if "$bin/nitro-kms-proxy" --help 2>/dev/null | grep -q -- --admin-listen; then
    extra=(--admin-listen 127.0.0.1:0)
  fi
  "$bin/nitro-kms-proxy" --simulate --state-dir "$dir" --listen 127.0.0.1:0 "${extra[@]}" \
    >"$dir.out" 2>"$dir.log" &
  PID=$!
  for _ in $(seq 1 600); do grep -q '^endpoint: ' "$dir.out" 2>/dev/null && break; sleep 0.1; done
  local ep
  ep=$(sed -n 's/^endpoint: //p' "$dir.out")
  [ -n "$ep" ] || { cat "$dir.log" >&2; exit 1; }
  AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$dir.out") \
  AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$dir.out") \
  AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$bin/nitro-kms" bench --endpoint-url "$ep" --operation GenerateDataKey \
    --concurrency "$CONCURRENCY" --duration "$DURATION" --json 2>/dev/null |
    tail -1 | python3 -c 'import json,sys; d=json.load(sys.stdin); d["build"]=sys.argv[1]; d["round"]=int(sys.argv[2]); print(json.dumps(d))' "$build" "$round" |
    tee -a "$WORK/results.jsonl"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
}
for round in $(seq 1 "$ROUNDS"); do
  run old "$OLD" "$round"
  run new "$NEW" "$round"
done
python3 - "$WORK/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for build in ("old", "new"):
    r = [x["requests_per_second"] for x in rows if x["build"] == build]
    p99 = [x["p99_ms"] for x in rows if x["build"] == build]
    print("%s: median %.0f req/s (runs: %s), median p99 %.2f ms" % (
        build, statistics.median(r), ", ".join("%.0f" % v for v in r), statistics.median(p99)))
PY
