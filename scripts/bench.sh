#!/usr/bin/env bash
# make bench: the load generator (`nitro-kms bench`) against the simulated chain, the enclave alone
# (at its own HTTP endpoint, no proxy), and moto_server for comparison; then the criterion micro-benchmarks; then
# BENCHMARKS.md and the SVG charts in docs/benchmarks/ (scripts/bench_report.py).
#
# Usage: scripts/bench.sh [BIN_DIR]   (make bench passes target/release)
#
#   BENCH_DURATION                  seconds per point (default 3)
#   BENCH_CONCURRENCY               connections per point (default "1 2 4 8 16 32 64 128 256")
#   BENCH_RECIPIENT_MAX_CONCURRENCY the Recipient series stop here (default 64: they are CPU bound)
#   BENCH_RSS_CONCURRENCY           the GenerateDataKey point during which the enclave's RSS is
#                                   sampled (default 64; the highest point if 64 is not measured)
#   BENCH_RECIPIENT_DOCUMENTS       fresh documents made ahead per Recipient(fresh) point
#                                   (default 7000 per second of BENCH_DURATION, 5000 to 40000)
#   BENCH_RECIPIENT_INLINE=0        skip the Recipient(inline) series (attest and open in the loop)
#   BENCH_OUT                       raw results (default target/bench; results.jsonl, logs)
#   BENCH_SKIP_CRITERION=1          do not run `cargo bench` (the report uses what target/criterion has)
#   BENCH_SKIP_MOTO=1               do not compare with moto_server
#   BENCH_SKIP_PROFILE=1            no perf profile (otherwise made when `perf` is installed)
#   BENCH_PROFILE_SECONDS           seconds of perf recording per profiled load (default 3)
#   BENCH_ASYM_CONCURRENCY          connections per Sign/Verify/GenerateMac point (default "1 4 16 64")
#   BENCH_ONLY_ASYM=1               run only the Sign/Verify/GenerateMac step (nitro-kms and moto),
#                                   into BENCH_OUT/results-asym.jsonl, and replace only that
#                                   section of BENCHMARKS.md (the rest stays as the last full run
#                                   wrote it)
#   BENCH_FLEET_CONCURRENCY         connections per fleet point (default "1 8"; scripts/bench_fleet.sh)
#   BENCH_FLEET_FAILOVERS           kill -9 of the leader measured this many times (default 10)
#   BENCH_FLEET_TTL                 the fleet's lease TTL in seconds (default 3)
#   BENCH_ONLY_FLEET=1              run only the fleet step (issue 19: mutations with files vs
#                                   etcd, GenerateDataKey on 1 and 3 enclaves, failover; needs
#                                   etcd on PATH) into BENCH_OUT/results-fleet.jsonl, and replace
#                                   only its section of BENCHMARKS.md
#
# Every server listens on 127.0.0.1 only, and every process this script starts is stopped on exit.
# The load generator runs on the same cores as the servers it measures.
set -euo pipefail

ORIG_PWD=$(pwd)
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
abs() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s' "$ORIG_PWD/$1" ;; esac; }
BIN_DIR=$(abs "${1:-target/release}")
cd "$ROOT"

BENCH_DURATION=${BENCH_DURATION:-3}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-"1 2 4 8 16 32 64 128 256"}
BENCH_RECIPIENT_MAX_CONCURRENCY=${BENCH_RECIPIENT_MAX_CONCURRENCY:-64}
BENCH_RSS_CONCURRENCY=${BENCH_RSS_CONCURRENCY:-64}
BENCH_RECIPIENT_DOCUMENTS=${BENCH_RECIPIENT_DOCUMENTS:-$(awk -v d="$BENCH_DURATION" \
  'BEGIN { n = int(d * 7000); if (n < 5000) n = 5000; if (n > 40000) n = 40000; print n }')}
BENCH_RECIPIENT_INLINE=${BENCH_RECIPIENT_INLINE:-1}
BENCH_OUT=$(abs "${BENCH_OUT:-target/bench}")
BENCH_SKIP_CRITERION=${BENCH_SKIP_CRITERION:-0}
BENCH_SKIP_MOTO=${BENCH_SKIP_MOTO:-0}
BENCH_SKIP_PROFILE=${BENCH_SKIP_PROFILE:-0}
BENCH_PROFILE_SECONDS=${BENCH_PROFILE_SECONDS:-3}
BENCH_ASYM_CONCURRENCY=${BENCH_ASYM_CONCURRENCY:-"1 4 16 64"}
BENCH_ONLY_ASYM=${BENCH_ONLY_ASYM:-0}
BENCH_ONLY_FLEET=${BENCH_ONLY_FLEET:-0}
# How this run was started, for the Sign/Verify/GenerateMac section of BENCHMARKS.md.
BENCH_COMMAND="scripts/bench.sh ${1:-target/release}"
if [ "$BENCH_ONLY_ASYM" = 1 ]; then
  BENCH_COMMAND="BENCH_ONLY_ASYM=1 BENCH_DURATION=$BENCH_DURATION BENCH_ASYM_CONCURRENCY=\"$BENCH_ASYM_CONCURRENCY\" $BENCH_COMMAND"
fi
if [ "$BENCH_ONLY_FLEET" = 1 ]; then
  BENCH_COMMAND="BENCH_ONLY_FLEET=1 BENCH_DURATION=$BENCH_DURATION BENCH_FLEET_CONCURRENCY=\"${BENCH_FLEET_CONCURRENCY:-1 8}\" BENCH_FLEET_FAILOVERS=${BENCH_FLEET_FAILOVERS:-10} $BENCH_COMMAND"
fi
MOTO_VERSION=5.2.5
VENV="$ROOT/target/bench-venv"
PY="$VENV/bin/python"
NK="$BIN_DIR/nitro-kms"
PROXY="$BIN_DIR/nitro-kms-proxy"
ENCLAVE="$BIN_DIR/nitro-kms-enclave"
# A bench run that has not finished by then is stopped (a stuck server must not hang the script).
# (Fresh Recipient documents are made before the clock starts: that takes time too.)
RUN_TIMEOUT=$(awk -v d="$BENCH_DURATION" 'BEGIN { printf "%d", d * 3 + 120 }')

for bin in "$NK" "$PROXY" "$ENCLAVE"; do
  [ -x "$bin" ] || { echo "missing $bin (run: make bench)" >&2; exit 1; }
done

mkdir -p "$BENCH_OUT" "$ROOT/target"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-bench.XXXXXX")
RESULTS="$BENCH_OUT/results.jsonl"
# Only the asymmetric step: its own file, so the last full run's results stay.
[ "$BENCH_ONLY_ASYM" = 1 ] && RESULTS="$BENCH_OUT/results-asym.jsonl"
[ "$BENCH_ONLY_FLEET" = 1 ] && RESULTS="$BENCH_OUT/results-fleet.jsonl"
: >"$RESULTS"
PIDS=()
BENCH_PID=
cleanup() {
  local pid
  if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Stops one process this script started (and forgets it).
stop() {
  local pid=$1 keep=() p
  if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Appends one JSON object to results.jsonl: the last line of stdin, plus KEY=STRING and
# KEY:=JSON pairs.
record() {
  python3 -c '
import json, sys
lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
d = json.loads(lines[-1]) if lines else {}
if "target" in d:  # the bench says "http" or "frames": keep it as the transport
    d["transport"] = d.pop("target")
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    if k.endswith(":"):
        d[k[:-1]] = json.loads(v)
    else:
        d[k] = v
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(d) + "\n")
' "$RESULTS" "$@"
}
concurrencies_upto() {
  local max=$1 c
  for c in $BENCH_CONCURRENCY; do [ "$c" -le "$max" ] && printf '%s ' "$c"; done
  return 0
}
# True when something answers HTTP at URL (any status).
answers() {
  python3 -c '
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
except Exception:
    sys.exit(1)
' "$1"
}
create_key() { # ENDPOINT [CREATE-KEY ARGS...] -> key id
  local ep=$1
  shift
  "$NK" create-key --endpoint-url "$ep" --output json "$@" | python3 -c \
    'import json, sys; print(json.load(sys.stdin)["KeyMetadata"]["KeyId"])'
}
# Starts the simulated chain in DIR: sets PROXY_PID, ENCLAVE_PID, EP and exports its credentials.
start_sim() {
  local dir=$1
  "$PROXY" --simulate --state-dir "$dir" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$WORK/proxy.out" 2>"$WORK/proxy.log" &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  for _ in $(seq 1 600); do grep -q '^endpoint: ' "$WORK/proxy.out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^endpoint: ' "$WORK/proxy.out" || { cat "$WORK/proxy.log" >&2; exit 1; }
  EP=$(sed -n 's/^endpoint: //p' "$WORK/proxy.out")
  export AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$WORK/proxy.out")
  export AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$WORK/proxy.out")
  export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  unset AWS_SESSION_TOKEN AWS_PROFILE
  ENCLAVE_PID=
  for _ in $(seq 1 50); do
    ENCLAVE_PID=$( (pgrep -P "$PROXY_PID" -f "nitro-kms-enclave.*$dir" || pgrep -f "nitro-kms-enclave.*$dir") | head -1 || true)
    [ -n "$ENCLAVE_PID" ] && break; sleep 0.1
  done
  [ -n "$ENCLAVE_PID" ] || { echo "no nitro-kms-enclave process under $dir" >&2; exit 1; }
  PIDS+=("$ENCLAVE_PID")
}
# Starts moto_server on a free port: sets MOTO_PID, MOTO_EP and exports moto's test credentials.
start_moto() {
  local port
  port=$(free_port)
  MOTO_EP="http://127.0.0.1:$port"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >>"$BENCH_OUT/moto.log" 2>&1 &
  MOTO_PID=$!
  PIDS+=("$MOTO_PID")
  for _ in $(seq 1 300); do
    answers "$MOTO_EP/" && break
    kill -0 "$MOTO_PID" 2>/dev/null || break
    sleep 0.1
  done
  answers "$MOTO_EP/" || { tail -20 "$BENCH_OUT/moto.log" >&2; exit 1; }
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
}
highest() { local h=0 c; for c in $1; do [ "$c" -gt "$h" ] && h=$c; done; echo "$h"; }
rss_kib() { ps -o rss= -p "$1" 2>/dev/null | tr -d ' ' || true; }

# One point: TARGET SERIES CONCURRENCY then the bench arguments (without --concurrency and the
# rest). Prints a one-line summary; records the JSON line, or a failure line with the reason.
# RSS_PID, if set, is sampled every 0.2 s while the run lasts.
RSS_PID=
point() {
  local target=$1 series=$2 c=$3 rc=0 bpid max=0 r
  shift 3
  local out="$WORK/point.json" err="$BENCH_OUT/last-bench.err"
  printf '   %-44s x%-4s ' "$series" "$c"
  timeout --kill-after=10 "$RUN_TIMEOUT" "$NK" bench "$@" --concurrency "$c" \
    --duration "$BENCH_DURATION" --json >"$out" 2>"$err" &
  bpid=$!
  BENCH_PID=$bpid
  if [ -n "$RSS_PID" ]; then
    while kill -0 "$bpid" 2>/dev/null; do
      r=$(rss_kib "$RSS_PID"); [ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r
      sleep 0.2
    done
  fi
  wait "$bpid" || rc=$?
  BENCH_PID=
  if [ "$rc" = 0 ] && grep -q '"requests_per_second"' "$out"; then
    record target="$target" series="$series" <"$out"
    python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print("%9.0f req/s  p50 %7.3f  p99 %8.3f  p99.9 %8.3f ms  %d errors" % (
    d["requests_per_second"], d["p50_ms"], d["p99_ms"], d["p999_ms"], d["errors"]))' "$out"
  else
    local why
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then why="timed out after ${RUN_TIMEOUT}s"
    else why="exit status $rc: $(grep -v '^[[:space:]]*$' "$err" | tail -1 | cut -c1-300)"; fi
    echo '{}' | record target="$target" series="$series" concurrency:="$c" failed:=true \
      reason="$why"
    echo "FAILED ($why)"
  fi
  if [ -n "$RSS_PID" ]; then RSS_MAX=$max; fi
  return 0
}

# shellcheck source=scripts/etcd_fleet.sh
. "$ROOT/scripts/etcd_fleet.sh"
# shellcheck source=scripts/bench_fleet.sh
. "$ROOT/scripts/bench_fleet.sh"
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
if [ "$BENCH_ONLY_FLEET" = 1 ]; then
  fleet_step
  step "BENCHMARKS.md: the fleet section only"
  python3 scripts/bench_report_fleet.py --results "$RESULTS" --out BENCHMARKS.md
  echo "   raw results: $RESULTS"
  exit 0
fi

step "1. Virtualenv target/bench-venv with moto[server]==$MOTO_VERSION"
venv_moto() { "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true; }
if [ ! -f "$VENV/.ready" ] || [ "$(venv_moto)" != "$MOTO_VERSION" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  touch "$VENV/.ready"
fi
echo "   moto $(venv_moto)"

echo '{}' | record series=meta date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
  git="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  git_dirty:="$([ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo true || echo false)" \
  nproc:="$(nproc)" cpu="${CPU_MODEL:-unknown}" duration_s:="$BENCH_DURATION" \
  concurrency="$BENCH_CONCURRENCY" recipient_max_concurrency:="$BENCH_RECIPIENT_MAX_CONCURRENCY" \
  moto_version="$MOTO_VERSION" \
  kernel="$(uname -sr)"

# The Sign, Verify and GenerateMac series against TARGET (nitro-kms or moto) at ENDPOINT, each
# with a key of its spec made for it here (CreateKey with KeySpec and KeyUsage).
asym_series() {
  local target=$1 ep=$2 p256 rsa hmac c
  p256=$(create_key "$ep" --key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY)
  rsa=$(create_key "$ep" --key-spec RSA_2048 --key-usage SIGN_VERIFY)
  hmac=$(create_key "$ep" --key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC)
  echo "   $target keys: ECC_NIST_P256 $p256, RSA_2048 $rsa, HMAC_256 $hmac"
  for c in $BENCH_ASYM_CONCURRENCY; do
    point "$target" "Sign (ECC_NIST_P256)" "$c" --endpoint-url "$ep" --key-id "$p256" \
      --operation Sign --key-spec ECC_NIST_P256
  done
  for c in $BENCH_ASYM_CONCURRENCY; do
    point "$target" "Sign (RSA_2048)" "$c" --endpoint-url "$ep" --key-id "$rsa" \
      --operation Sign --key-spec RSA_2048
  done
  for c in $BENCH_ASYM_CONCURRENCY; do
    point "$target" "Verify (ECC_NIST_P256)" "$c" --endpoint-url "$ep" --key-id "$p256" \
      --operation Verify --key-spec ECC_NIST_P256
  done
  for c in $BENCH_ASYM_CONCURRENCY; do
    point "$target" "GenerateMac (HMAC_256)" "$c" --endpoint-url "$ep" --key-id "$hmac" \
      --operation GenerateMac --key-spec HMAC_256
  done
}
# Sign, Verify, GenerateMac against a fresh simulated chain, then against a fresh moto_server.
asym_step() {
  local load_before when
  step "5b. Sign (ECC_NIST_P256, RSA_2048), Verify (ECC_NIST_P256), GenerateMac (HMAC_256): nitro-kms, then moto_server $MOTO_VERSION"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  when=$(date -u '+%Y-%m-%d %H:%M UTC')
  start_sim "$WORK/asym-world"
  echo "   endpoint $EP"
  asym_series nitro-kms "$EP"
  stop "$PROXY_PID"
  stop "$ENCLAVE_PID"
  if [ "$BENCH_SKIP_MOTO" = 1 ]; then
    echo "   moto skipped (BENCH_SKIP_MOTO=1)"
  else
    start_moto
    echo "   moto_server at $MOTO_EP"
    asym_series moto "$MOTO_EP"
    stop "$MOTO_PID"
  fi
  echo '{}' | record series=asym_meta date="$when" command="$BENCH_COMMAND" \
    loadavg_before="$load_before" loadavg_after="$(cut -d' ' -f1-3 /proc/loadavg)" \
    git="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    git_dirty:="$([ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo true || echo false)" \
    nproc:="$(nproc)" cpu="${CPU_MODEL:-unknown}" moto_version="$MOTO_VERSION" \
    concurrency="$BENCH_ASYM_CONCURRENCY" duration_s:="$BENCH_DURATION"
}
if [ "$BENCH_ONLY_ASYM" = 1 ]; then
  : >"$BENCH_OUT/moto.log"
  asym_step
  step "BENCHMARKS.md: the Sign, Verify, GenerateMac section only"
  python3 scripts/bench_report.py --asym-only --results "$RESULTS" --out BENCHMARKS.md
  echo "   raw results: $RESULTS"
  exit 0
fi

step "2. The simulated chain: nitro-kms-proxy --simulate (it spawns nitro-kms-enclave)"
SIM="$WORK/world"
start_sim "$SIM"
echo "   endpoint $EP, proxy pid $PROXY_PID, enclave pid $ENCLAVE_PID"

KEY=$(create_key "$EP")
echo "   key $KEY"
IDLE_RSS=$(rss_kib "$ENCLAVE_PID")
echo "   enclave RSS idle: ${IDLE_RSS} KiB"

ALL_C=$BENCH_CONCURRENCY
RSS_C=$BENCH_RSS_CONCURRENCY
case " $ALL_C " in *" $RSS_C "*) ;; *) RSS_C=$(highest "$ALL_C") ;; esac
RECIPIENT_C=$(concurrencies_upto "$BENCH_RECIPIENT_MAX_CONCURRENCY")

# CPU time the host takes from this VM ("steal"), over all the load series.
cpu_jiffies() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9 }' /proc/stat; }
read -r CPU_T0 CPU_S0 < <(cpu_jiffies)

step "3. nitro-kms bench against the proxy (${BENCH_DURATION} s per point)"
RSS_MAX=
for c in $ALL_C; do
  if [ "$c" = "$RSS_C" ]; then RSS_PID=$ENCLAVE_PID; fi
  point nitro-kms GenerateDataKey "$c" --endpoint-url "$EP" --key-id "$KEY" --operation GenerateDataKey
  if [ "$c" = "$RSS_C" ]; then
    RSS_PID=
    echo '{}' | record target=nitro-kms series=enclave_rss concurrency:="$RSS_C" \
      idle_rss_kib:="${IDLE_RSS:-0}" max_rss_kib:="${RSS_MAX:-0}"
    echo "   enclave RSS during x$RSS_C: max ${RSS_MAX} KiB (idle ${IDLE_RSS} KiB)"
  fi
done
for c in $ALL_C; do
  point nitro-kms GenerateDataKeyWithoutPlaintext "$c" --endpoint-url "$EP" --key-id "$KEY" \
    --operation GenerateDataKeyWithoutPlaintext
done
# The same request over TLS, through the same relay, as an attested client checks it: the
# attestation document in the enclave's certificate, pinned to the simulated root and PCR0 (what
# `nitro-kms --service-pcr` does). Handshakes happen once per kept-alive connection; the
# "new connections" series make one per request (no keep-alive, no session resumption).
HTTPS_EP="https://localhost:${EP##*:}"
if "$NK" service verify --endpoint-url "$HTTPS_EP" --trust-simulated-root "$SIM/root.pem" \
    --ca-out "$WORK/service-ca.pem" >"$WORK/service.json" 2>"$WORK/service.err"; then
  PCR0=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pcrs"]["0"])' "$WORK/service.json")
  TLS=(--endpoint-url "$HTTPS_EP" --service-pcr "0=$PCR0" --trust-simulated-root "$SIM/root.pem")
  for c in $ALL_C; do
    point nitro-kms "GenerateDataKey (TLS)" "$c" "${TLS[@]}" --key-id "$KEY" --operation GenerateDataKey
  done
  for c in $RECIPIENT_C; do
    point nitro-kms "new connections (cleartext)" "$c" --endpoint-url "$EP" --key-id "$KEY" \
      --operation GenerateDataKey --new-connection-per-request
  done
  for c in $RECIPIENT_C; do
    point nitro-kms "new connections (TLS full handshake)" "$c" "${TLS[@]}" --key-id "$KEY" \
      --operation GenerateDataKey --new-connection-per-request
  done
else
  echo "   WARNING: service verify failed, no TLS series: $(tail -1 "$WORK/service.err")" >&2
  echo '{}' | record target=nitro-kms series=tls_skipped reason="service verify failed"
  TLS=()
fi
for c in $ALL_C; do
  point nitro-kms Decrypt "$c" --endpoint-url "$EP" --key-id "$KEY" --operation Decrypt
done
DOCS_ARGS=()
BENCH_HELP=$("$NK" bench --help 2>/dev/null || true)
case "$BENCH_HELP" in *--documents*) DOCS_ARGS=(--documents "$BENCH_RECIPIENT_DOCUMENTS") ;; esac
for c in $RECIPIENT_C; do
  point nitro-kms "GenerateDataKey+Recipient(fresh)" "$c" --endpoint-url "$EP" --key-id "$KEY" \
    --operation GenerateDataKey --recipient "simulated:$SIM" "${DOCS_ARGS[@]}"
done
if [ "${#TLS[@]}" -gt 0 ]; then
  for c in $RECIPIENT_C; do
    point nitro-kms "GenerateDataKey+Recipient(fresh) (TLS)" "$c" "${TLS[@]}" --key-id "$KEY" \
      --operation GenerateDataKey --recipient "simulated:$SIM" "${DOCS_ARGS[@]}"
  done
fi
for c in $RECIPIENT_C; do
  point nitro-kms "GenerateDataKey+Recipient(reused)" "$c" --endpoint-url "$EP" --key-id "$KEY" \
    --operation GenerateDataKey --recipient "simulated:$SIM" --reuse-document
done
case "$BENCH_HELP" in
  *--attest-inline*)
    if [ "$BENCH_RECIPIENT_INLINE" = 1 ]; then
      for c in $RECIPIENT_C; do
        point nitro-kms "GenerateDataKey+Recipient(inline)" "$c" --endpoint-url "$EP" --key-id "$KEY" \
          --operation GenerateDataKey --recipient "simulated:$SIM" --attest-inline
      done
    fi ;;
esac
END_RSS=$(rss_kib "$ENCLAVE_PID")
echo '{}' | record target=nitro-kms series=enclave_rss_end rss_kib:="${END_RSS:-0}"
echo "   enclave RSS after every series: ${END_RSS} KiB"

# A real simulated document (this chain would accept it), for the moto probe below.
"$PY" - "$WORK/app-pub.der" <<'PYEOF'
import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
open(sys.argv[1], "wb").write(k.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
PYEOF
"$NK" attestation simulate --state-dir "$SIM" --public-key "$WORK/app-pub.der" --out "$WORK/doc.cose" >/dev/null
if [ "$BENCH_SKIP_PROFILE" != 1 ] && command -v perf >/dev/null 2>&1; then
  step "3b. Where the time goes: perf on the proxy, the enclave and the load generator"
  {
    echo "Made by \`scripts/bench_profile.sh\` during \`make bench\`: \`perf record -F 999 -e cpu-clock\`"
    echo "on each process for ${BENCH_PROFILE_SECONDS} s (self time per function; software clock, as this VM has no"
    echo "hardware counters) and \`perf stat -e raw_syscalls:sys_enter\` for the syscalls. Percentages"
    echo "are of each process's own samples; \"cores busy\" is its share of the machine."
    echo
    "$ROOT/scripts/bench_profile.sh" "GenerateDataKey, 64 connections, over HTTP" "$BENCH_PROFILE_SECONDS" \
      "$PROXY_PID:nitro-kms-proxy $ENCLAVE_PID:nitro-kms-enclave" -- \
      "$NK" bench --endpoint-url "$EP" --key-id "$KEY" --operation GenerateDataKey --concurrency 64
    "$ROOT/scripts/bench_profile.sh" "GenerateDataKey + Recipient (fresh documents), 8 connections, over HTTP" \
      "$BENCH_PROFILE_SECONDS" "$PROXY_PID:nitro-kms-proxy $ENCLAVE_PID:nitro-kms-enclave" -- \
      "$NK" bench --endpoint-url "$EP" --key-id "$KEY" --operation GenerateDataKey --concurrency 8 \
      --recipient "simulated:$SIM" --documents 30000
  } >"$BENCH_OUT/profile.txt" 2>"$BENCH_OUT/profile.log" || echo "   profile failed: see $BENCH_OUT/profile.log"
  grep '^###' "$BENCH_OUT/profile.txt" | sed 's/^### /   /' || true
else
  rm -f "$BENCH_OUT/profile.txt"
  echo "   (no perf here, or BENCH_SKIP_PROFILE=1: no profile)"
fi
stop "$PROXY_PID"
stop "$ENCLAVE_PID"  # the proxy stops its enclave on SIGTERM; this is in case it could not
echo "   proxy and enclave stopped"

step "4. The enclave alone at its own HTTP endpoint (nitro-kms bench --enclave; --control: the bench plays the parent)"
if [[ "$BENCH_HELP" == *--control* ]]; then
  "$ENCLAVE" --simulate --state-dir "$WORK/enclave-world" --listen "unix://$WORK/enclave.sock" \
    --http-listen "unix://$WORK/enclave-http.sock" \
    --trust-simulated-root "$WORK/enclave-world/root.pem" \
    --region us-east-1 --account 111122223333 >"$WORK/enclave.out" 2>"$WORK/enclave.log" &
  EPID=$!
  PIDS+=("$EPID")
  for _ in $(seq 1 300); do
    [ -S "$WORK/enclave.sock" ] && [ -S "$WORK/enclave-http.sock" ] && break
    kill -0 "$EPID" 2>/dev/null || break; sleep 0.1
  done
  [ -S "$WORK/enclave-http.sock" ] || { cat "$WORK/enclave.log" >&2; exit 1; }
  mkdir -p "$WORK/enclave-parent"
  ALONE=(--enclave "unix://$WORK/enclave-http.sock" --control "unix://$WORK/enclave.sock"
         --state-dir "$WORK/enclave-parent")
  for c in $ALL_C; do
    point enclave-alone "GenerateDataKey (enclave alone)" "$c" \
      "${ALONE[@]}" --operation GenerateDataKey
  done
  for c in $RECIPIENT_C; do
    point enclave-alone "GenerateDataKey+Recipient(fresh) (enclave alone)" "$c" \
      "${ALONE[@]}" --operation GenerateDataKey \
      --recipient "simulated:$WORK/enclave-world" "${DOCS_ARGS[@]}"
  done
  stop "$EPID"
else
  echo "   WARNING: nitro-kms bench has no --enclave/--control yet; the enclave-alone series is skipped" >&2
  echo '{}' | record target=enclave-alone series=skipped reason="nitro-kms bench has no --control option"
fi

step "5. moto_server $MOTO_VERSION, the same three operations"
if [ "$BENCH_SKIP_MOTO" = 1 ]; then
  echo "   skipped (BENCH_SKIP_MOTO=1)"
  echo '{}' | record target=moto series=skipped reason="BENCH_SKIP_MOTO=1"
else
  : >"$BENCH_OUT/moto.log"
  start_moto
  echo "   moto_server at $MOTO_EP, pid $MOTO_PID"
  MOTO_KEY=$(create_key "$MOTO_EP")
  echo "   key $MOTO_KEY"
  # Does moto implement Recipient? GenerateDataKey with a Recipient must answer
  # CiphertextForRecipient and no Plaintext.
  "$PY" - "$MOTO_EP" "$MOTO_KEY" "$WORK/doc.cose" >"$WORK/probe.json" <<'PYEOF' || true
import http.client, json, sys, urllib.parse, boto3
# What the server says about keep-alive (the bench's "connections" field shows the consequence).
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
c.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "TrentService.ListKeys",
                                            "Content-Type": "application/x-amz-json-1.1"})
resp = c.getresponse()
resp.read()
headers = {"connection_header": resp.getheader("Connection") or "",
           "server_header": resp.getheader("Server") or ""}
kms = boto3.client("kms", endpoint_url=sys.argv[1], region_name="us-east-1")
doc = open(sys.argv[3], "rb").read()
try:
    r = kms.generate_data_key(KeyId=sys.argv[2], KeySpec="AES_256", Recipient={
        "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": doc})
except Exception as e:  # an error is an answer too
    print(json.dumps(dict(headers, supported=False, behaviour="refuses it: %s" % str(e)[:200])))
    sys.exit(0)
fields = sorted(k for k in r if k != "ResponseMetadata")
ok = "CiphertextForRecipient" in r and "Plaintext" not in r
if ok:
    what = "returns CiphertextForRecipient and no Plaintext"
elif "Plaintext" in r and "CiphertextForRecipient" not in r:
    what = ("ignores the Recipient: it returns the Plaintext data key in the clear and no "
            "CiphertextForRecipient")
else:
    what = "answers the fields %s" % ", ".join(fields)
print(json.dumps(dict(headers, supported=ok, behaviour=what, fields=fields)))
PYEOF
  if [ -s "$WORK/probe.json" ]; then
    record target=moto series=recipient_probe <"$WORK/probe.json"
    echo "   Recipient: $(cat "$WORK/probe.json")"
  fi
  MOTO_RECIPIENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("supported", False))' "$WORK/probe.json" 2>/dev/null || echo False)
  for op in GenerateDataKey GenerateDataKeyWithoutPlaintext Decrypt; do
    for c in $ALL_C; do
      point moto "$op" "$c" --endpoint-url "$MOTO_EP" --key-id "$MOTO_KEY" --operation "$op"
    done
  done
  if [ "$MOTO_RECIPIENT" = True ]; then
    for c in $RECIPIENT_C; do
      point moto "GenerateDataKey+Recipient(reused)" "$c" --endpoint-url "$MOTO_EP" \
        --key-id "$MOTO_KEY" --operation GenerateDataKey --recipient "simulated:$SIM" --reuse-document
    done
  fi
  stop "$MOTO_PID"
fi

asym_step
fleet_step

read -r CPU_T1 CPU_S1 < <(cpu_jiffies)
STEAL_PCT=$(awk -v t=$((CPU_T1 - CPU_T0)) -v s=$((CPU_S1 - CPU_S0)) 'BEGIN { printf "%.2f", (t > 0 ? 100 * s / t : 0) }')
echo '{}' | record series=cpu_steal steal_pct:="$STEAL_PCT"
echo "   CPU stolen by the host during the load series: ${STEAL_PCT}%"

step "6. Criterion micro-benchmarks (cargo bench -p nitro-kms-tests --bench micro; -p nitro-kms-enclave --bench ciphertext_blob)"
if [ "$BENCH_SKIP_CRITERION" = 1 ]; then
  echo "   skipped (BENCH_SKIP_CRITERION=1); the report uses what target/criterion holds"
  echo '{}' | record series=criterion status=skipped
else
  echo "   running (1-2 minutes); log in $BENCH_OUT/criterion.log"
  if ${CARGO:-cargo} bench -p nitro-kms-tests --bench micro --locked -- --noplot \
      >"$BENCH_OUT/criterion.log" 2>&1 &&
    ${CARGO:-cargo} bench -p nitro-kms-enclave --bench ciphertext_blob --locked -- --noplot \
      >>"$BENCH_OUT/criterion.log" 2>&1; then
    awk '/^[^ ].*time:/ { print "   " $0 } /^ +time:/ { print "   " prev; print "   " $0 } { prev = $0 }' \
      "$BENCH_OUT/criterion.log"
    echo '{}' | record series=criterion status=ran
  else
    tail -20 "$BENCH_OUT/criterion.log" >&2
    echo "   WARNING: cargo bench failed (see $BENCH_OUT/criterion.log); the report uses what" \
      "target/criterion holds from an earlier run" >&2
    echo '{}' | record series=criterion status=failed
  fi
fi

step "7. BENCHMARKS.md and docs/benchmarks/*.svg"
PROFILE_ARGS=()
[ -f "$BENCH_OUT/profile.txt" ] && PROFILE_ARGS=(--profile "$BENCH_OUT/profile.txt")
python3 scripts/bench_report.py --results "$RESULTS" --criterion target/criterion \
  --out BENCHMARKS.md --svg-dir docs/benchmarks "${PROFILE_ARGS[@]}"
echo "   raw results: $RESULTS"
