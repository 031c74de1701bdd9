#!/usr/bin/env bash
# Where the time goes: runs one `nitro-kms bench` load and samples every process of the chain
# with `perf record` (software cpu-clock, so it works on VMs without hardware counters), one
# recording per process. Prints, per process, the cores it used and its hottest functions (self
# time), and its syscalls per request (perf stat on the raw_syscalls tracepoint).
#
# Usage: scripts/bench_profile.sh LABEL SECONDS "PID:NAME PID:NAME ..." -- NITRO_KMS_BENCH_ARGS...
#   (called by scripts/bench.sh; the bench's own process is sampled too, as "load generator")
#
# Needs `perf` (Debian's linux-perf); without it, says so and exits 0.
set -euo pipefail

LABEL=$1 SECONDS_=$2 TARGETS=$3
shift 3
[ "${1:-}" = "--" ] && shift
if ! command -v perf >/dev/null 2>&1; then
  echo "## $LABEL: perf is not installed here; no profile"
  exit 0
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-profile.XXXXXX")
PERF_PIDS=()
BENCH=
cleanup() {
  for p in "${PERF_PIDS[@]}" $BENCH; do kill -INT "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The load runs longer than the recording, which starts once requests flow (fresh Recipient
# documents are made before the bench's clock starts).
"$@" --duration $((SECONDS_ + 4)) >"$WORK/bench.out" 2>"$WORK/bench.err" &
BENCH=$!
for _ in $(seq 1 600); do
  grep -q 'req/s' "$WORK/bench.err" 2>/dev/null && break
  kill -0 "$BENCH" 2>/dev/null || break
  sleep 0.1
done
sleep 0.5
ALL="$TARGETS $BENCH:load-generator"
for t in $ALL; do
  pid=${t%%:*}
  perf record -q -F 999 -e cpu-clock -p "$pid" -o "$WORK/$pid.data" -- sleep "$SECONDS_" \
    >/dev/null 2>&1 &
  PERF_PIDS+=($!)
  # Syscalls, counted by the kernel's tracepoint (no strace slowdown).
  perf stat -x, -e raw_syscalls:sys_enter -p "$pid" -o "$WORK/$pid.sys" -- sleep "$SECONDS_" \
    >/dev/null 2>&1 &
  PERF_PIDS+=($!)
done
for p in "${PERF_PIDS[@]}"; do wait "$p" || true; done
PERF_PIDS=()
wait "$BENCH" || true
BENCH=
RESULT=$(tail -1 "$WORK/bench.out")

echo "## $LABEL"
echo
echo "Load: \`nitro-kms ${*:2}\` → $RESULT"
REQS=$(python3 -c 'import re,sys; m=re.search(r"= ([0-9.]+) req/s", sys.argv[1]); print(m.group(1) if m else 0)' "$RESULT")
echo
for t in $ALL; do
  pid=${t%%:*} name=${t#*:}
  data="$WORK/$pid.data"
  [ -s "$data" ] || { echo "### $name: no samples"; continue; }
  n=$(perf script -i "$data" -F time 2>/dev/null | wc -l)
  cores=$(awk -v n="$n" -v s="$SECONDS_" 'BEGIN { printf "%.2f", n / (999 * s) }')
  sc=$(awk -F, '/raw_syscalls/ { print $1 + 0 }' "$WORK/$pid.sys" 2>/dev/null | head -1)
  per=$(awk -v sc="$sc" -v r="$REQS" -v s="$SECONDS_" 'BEGIN { if (r > 0) printf "%.2f", sc / (r * s); else print "?" }')
  echo "### $name — ${cores} cores busy; ${per} syscalls per request"
  echo
  echo '```text'
  perf report -i "$data" --stdio --no-children --sort dso,symbol 2>/dev/null \
    | grep -E '^ +[0-9]+\.[0-9]+%' | head -18 | sed -E 's/ +-  +- *$//; s/ +$//; s/  +/  /g' \
    | cut -c1-150 || true
  echo '```'
  echo
done
