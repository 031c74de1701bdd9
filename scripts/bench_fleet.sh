# shellcheck shell=bash
# The fleet step of scripts/bench.sh (issue 19), SOURCED by it (it uses bench.sh's point, record,
# stop, start_sim, create_key, PIDS, WORK, NK, RESULTS, BENCH_DURATION) and scripts/etcd_fleet.sh:
#
#   a. mutations per second (CreateKey, CreateAlias, TagResource) with storage = files (a fresh
#      simulated chain) and with storage = etcd (one enclave on a three-member TLS etcd cluster,
#      reached through its parent's egress relay, as on Nitro), side by side;
#   b. GenerateDataKey through one enclave, then through three at once (one load generator per
#      parent, summed): followers serve it from their replicated state;
#   c. failover, BENCH_FLEET_FAILOVERS times: kill -9 the leader's enclave, then the time until a
#      write (nitro-kms create-key, tried on each parent in turn) is first acknowledged.
#
# Knobs: BENCH_FLEET_CONCURRENCY (default "1 8"), BENCH_FLEET_FAILOVERS (10), BENCH_FLEET_TTL (the
# lease TTL in seconds, 3). Every etcd member, parent and enclave is on loopback and stopped at the
# end of the step (or by bench.sh's cleanup: they are in PIDS).

BENCH_FLEET_CONCURRENCY=${BENCH_FLEET_CONCURRENCY:-"1 8"}
BENCH_FLEET_FAILOVERS=${BENCH_FLEET_FAILOVERS:-10}
BENCH_FLEET_TTL=${BENCH_FLEET_TTL:-3}
FLEET_OPS="CreateKey CreateAlias TagResource"

# GenerateDataKey through the three parents at once, C connections each: one summed point.
fleet_gdk_three() {
  local c=$1 key=$2 i pids=()
  printf '   %-44s x%-4s ' "GenerateDataKey (3 enclaves)" "3x$c"
  for i in 0 1 2; do
    timeout --kill-after=10 "$RUN_TIMEOUT" "$NK" bench --endpoint-url "${ENDPOINT[$i]}" \
      --key-id "$key" --operation GenerateDataKey --concurrency "$c" \
      --duration "$BENCH_DURATION" --json >"$WORK/fleet-gdk-$i.json" 2>"$WORK/fleet-gdk-$i.err" &
    pids+=($!)
  done
  for i in 0 1 2; do wait "${pids[$i]}" || true; done
  python3 - "$RESULTS" "$c" "$WORK"/fleet-gdk-{0,1,2}.json <<'PYEOF'
import json, sys
runs = []
for path in sys.argv[3:]:
    try:
        runs.append(json.loads(open(path).read().strip().splitlines()[-1]))
    except Exception as e:  # a failed run: recorded as such
        runs.append({"failed": True, "reason": "%s: %s" % (path, e)})
ok = [r for r in runs if not r.get("failed")]
row = {"target": "etcd, 3 enclaves", "series": "GenerateDataKey (fleet)",
       "concurrency": int(sys.argv[2]), "enclaves": 3}
if len(ok) == 3:
    row.update(requests_per_second=sum(r["requests_per_second"] for r in ok),
               requests=sum(r["requests"] for r in ok), errors=sum(r["errors"] for r in ok),
               p50_ms=max(r["p50_ms"] for r in ok), p99_ms=max(r["p99_ms"] for r in ok),
               per_enclave=[round(r["requests_per_second"]) for r in ok])
    print("%9.0f req/s (%s)  p99 %8.3f ms  %d errors" % (
        row["requests_per_second"], " + ".join(str(x) for x in row["per_enclave"]),
        row["p99_ms"], row["errors"]))
else:
    row.update(failed=True, reason="; ".join(r.get("reason", "?") for r in runs if r.get("failed")))
    print("FAILED (%s)" % row["reason"])
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(row) + "\n")
PYEOF
}

# How many keys the fleet's store holds (ListKeys through the first parent, every page).
fleet_key_count() {
  "$NK" list-keys --endpoint-url "${ENDPOINT[0]}" --output json 2>/dev/null |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["Keys"]))' 2>/dev/null || echo "?"
}

# One failover: kill -9 the leader's enclave; milliseconds until a write is acknowledged.
fleet_failover_once() {
  local run=$1 old pid t0 t1 i deadline
  fleet_wait_leader 3 60 || { echo "   run $run: no single leader in 60 s" >&2; return 1; }
  old=$LEADER
  pid=$(fleet_enclave_pid "$old")
  t0=$(date +%s%3N)
  kill -9 "$pid"
  deadline=$(($(date +%s) + 60))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    for i in 0 1 2; do
      if "$NK" create-key --endpoint-url "${ENDPOINT[$i]}" --description failover >/dev/null 2>&1; then
        t1=$(date +%s%3N)
        echo '{}' | record target="etcd, 3 enclaves" series=failover run:="$run" \
          ms:="$((t1 - t0))" killed:="$old" writer:="$i" ttl_s:="$BENCH_FLEET_TTL"
        printf '   failover %2d: enclave %d killed, first write acknowledged by %d after %5d ms\n' \
          "$run" "$old" "$i" "$((t1 - t0))"
        # The killed one is restarted by its parent and rejoins before the next run.
        fleet_wait_answers "$old" 60 || true
        return 0
      fi
    done
  done
  echo '{}' | record target="etcd, 3 enclaves" series=failover run:="$run" failed:=true \
    reason="no write acknowledged 60 s after the kill"
  echo "   failover $run: FAILED (no write acknowledged in 60 s)"
}

fleet_step() {
  local load_before when c op key run pid FLEET_KEYS
  step "5c. The fleet (issue 19): mutations with files and etcd, GenerateDataKey on 1 and 3 enclaves, failover"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  when=$(date -u '+%Y-%m-%d %H:%M UTC')
  if ! fleet_have_etcd 2>"$WORK/etcd-missing"; then
    echo "   SKIPPED: $(head -1 "$WORK/etcd-missing")"
    echo '{}' | record series=fleet_meta skipped:=true reason="etcd is not installed" date="$when"
    return 0
  fi
  echo "   storage = files: a fresh simulated chain"
  start_sim "$WORK/fleet-files-world"
  for op in $FLEET_OPS; do
    for c in $BENCH_FLEET_CONCURRENCY; do
      point files "$op" "$c" --endpoint-url "$EP" --operation "$op"
    done
  done
  stop "$PROXY_PID"
  stop "$ENCLAVE_PID"

  echo "   storage = etcd: three TLS members on loopback, one enclave through its egress relay"
  fleet_pki
  fleet_etcd_start 3 >/dev/null
  PIDS+=("${ETCD_PIDS[@]}")
  fleet_worlds 3
  fleet_parent_start 0 "$BENCH_FLEET_TTL"
  PIDS+=("${PROXY_PIDS[@]}")
  fleet_wait_parents 1
  fleet_wait_leader 1 60
  for op in $FLEET_OPS; do
    for c in $BENCH_FLEET_CONCURRENCY; do
      point etcd "$op" "$c" --endpoint-url "${ENDPOINT[0]}" --operation "$op"
    done
  done
  key=$(create_key "${ENDPOINT[0]}")
  for c in $BENCH_FLEET_CONCURRENCY; do
    point "etcd, 1 enclave" "GenerateDataKey (fleet)" "$c" --endpoint-url "${ENDPOINT[0]}" \
      --key-id "$key" --operation GenerateDataKey
  done
  fleet_parent_start 1 "$BENCH_FLEET_TTL"
  fleet_parent_start 2 "$BENCH_FLEET_TTL"
  PIDS+=("${PROXY_PIDS[@]:1}")
  fleet_wait_parents 3
  fleet_wait_answers 1 60
  fleet_wait_answers 2 60
  for c in $BENCH_FLEET_CONCURRENCY; do fleet_gdk_three "$c" "$key"; done

  FLEET_KEYS=$(fleet_key_count)
  echo "   the store holds $FLEET_KEYS keys now"
  echo "   failover: kill -9 the leader's enclave, then the first acknowledged write (lease TTL ${BENCH_FLEET_TTL} s)"
  for run in $(seq 1 "$BENCH_FLEET_FAILOVERS"); do fleet_failover_once "$run"; done
  for pid in "${PROXY_PIDS[@]}" "${ETCD_PIDS[@]}"; do stop "$pid"; done
  PROXY_PIDS=() ETCD_PIDS=()
  echo '{}' | record series=fleet_meta date="$when" command="$BENCH_COMMAND" \
    loadavg_before="$load_before" loadavg_after="$(cut -d' ' -f1-3 /proc/loadavg)" \
    git="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    git_dirty:="$([ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo true || echo false)" \
    nproc:="$(nproc)" cpu="${CPU_MODEL:-unknown}" etcd="$("$ETCD" --version | head -1)" \
    concurrency="$BENCH_FLEET_CONCURRENCY" duration_s:="$BENCH_DURATION" ttl_s:="$BENCH_FLEET_TTL" \
    max_request_bytes:="$FLEET_MAX_REQUEST_BYTES" keys="$FLEET_KEYS" \
    binaries="$(basename "$BIN_DIR")"
}
