#!/usr/bin/env bash
# The nitro-kms fleet demo (issue 19): three simulated enclaves keep ONE sealed state in a
# three-member etcd cluster; one leads (writes), the others follow (serve reads); kill -9 the
# leader and another takes over.
#
#   AWS CLI --HTTP--> nitro-kms-proxy i --frames--> nitro-kms-enclave i (simulated NSM)
#                      (parent i)                   |  TLS ends here (client cert = derived key)
#                      egress-i.sock <--CONNECT------+
#                         `--TCP--> etcd members (TLS, --client-cert-auth, loopback)
#
# Usage: scripts/cluster_demo.sh [BIN_DIR]   (make cluster-demo passes target/debug)
#        CLUSTER_DEMO_KEEP=DIR keeps every file of the run (logs, PKI, worlds) in DIR.
# Exit status: 0 = "cluster-demo: ok"; 2 = etcd is not installed; 1 = anything else failed.
set -euo pipefail

BIN_DIR=${1:-target/debug}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROXY="$BIN_DIR/nitro-kms-proxy"
ENCLAVE="$BIN_DIR/nitro-kms-enclave"
AWS_BIN=${AWS_BIN:-$ROOT/target/test-venv/bin/aws}
# shellcheck source=scripts/etcd_fleet.sh
. "$ROOT/scripts/etcd_fleet.sh"
if ! fleet_have_etcd; then echo "cluster-demo: needs etcd" >&2; exit 2; fi
for bin in "$PROXY" "$ENCLAVE" "$AWS_BIN"; do
  [ -x "$bin" ] || { echo "missing $bin (run: make cluster-demo)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nkc.XXXXXX") # short: Unix socket paths live under it
N=3
# Stops everything this script started (also on Ctrl-C and on failure): the parents (each
# stops its enclave), then the etcd members; then removes the temp dir (sockets, data dirs).
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PROXY_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PROXY_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for pid in "${ETCD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${ETCD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    echo "cluster-demo: FAILED (status $status); the last lines of each log:" >&2
    for log in "$WORK"/*.log; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -5 "$log" >&2; }
    done
  fi
  if [ -n "${CLUSTER_DEMO_KEEP:-}" ]; then mkdir -p "$CLUSTER_DEMO_KEEP" && cp -r "$WORK"/. "$CLUSTER_DEMO_KEEP"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "cluster-demo: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

step "1. A PKI with openssl: the etcd CA, three member certificates, an operator certificate"
fleet_pki
echo "   CA $PKI/ca.pem; members etcd-{0,1,2}.pem (serverAuth+clientAuth, 127.0.0.1/localhost); operator.pem (clientAuth)"

step "2. A three-member etcd cluster on loopback (TLS on client and peer URLs, --client-cert-auth)"
fleet_etcd_start "$N" || die "no etcd cluster"
fleet_ctl endpoint health 2>&1 | sed 's/^/   /'

step "3. Three worlds that share one sealing key, and the enclaves' etcd client certificate"
echo "   On Nitro, AWS KMS releases the same root key to every enclave of the image (the key"
echo "   policy names its PCRs); in simulation the three worlds share one sealing.key file."
echo "\$ $ENCLAVE --simulate --state-dir $WORK/w0 --print-etcd-csr > enclave.csr"
fleet_worlds "$N"
sed 's/^/   /' "$WORK/csr.err"
echo "   w1 and w2 get w0's sealing.key. The operator checks the attestation, then signs the CSR:"
echo "\$ openssl x509 -req -in enclave.csr -CA ca.pem -CAkey ca.key -extfile (clientAuth) -out enclave.pem"
echo "   one certificate serves every enclave of the fleet (same derived key): $PKI/enclave.pem"

step "4. Three simulated parents, each with an egress relay to the etcd members"
for i in $(seq 0 $((N - 1))); do
  echo "\$ NITRO_KMS_ENCLAVE_STORAGE=etcd NITRO_KMS_ENCLAVE_ETCD_ENDPOINTS=$ENDPOINTS \\"
  echo "    NITRO_KMS_ENCLAVE_ETCD_CA=ca.pem NITRO_KMS_ENCLAVE_ETCD_CLIENT_CERTIFICATE=enclave.pem \\"
  echo "    NITRO_KMS_ENCLAVE_ETCD_RELAY=unix://$WORK/egress-$i.sock NITRO_KMS_ENCLAVE_ETCD_LEASE_TTL_SECS=3 \\"
  echo "    $PROXY --simulate --state-dir $WORK/w$i --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \\"
  echo "    --egress listen=unix://$WORK/egress-$i.sock,allow=<each member's client port> &"
  fleet_parent_start "$i" 3
done
fleet_wait_parents "$N" || die "the parents did not start"
export AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$WORK/proxy-0.out")
export AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$WORK/proxy-0.out")
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

fleet_wait_leader "$N" 60 || die "no enclave leads after 60 s"
for i in $(seq 0 $((N - 1))); do
  role=follower; [ "$i" = "$LEADER" ] && role=LEADER
  echo "   parent $i: clients ${ENDPOINT[$i]}, $(grep '^admin: ' "$WORK/proxy-$i.out"), egress $WORK/egress-$i.sock,"
  echo "             enclave pid $(fleet_enclave_pid "$i") ($role: ${ENDPOINT[$i]}/metrics nitro_kms_store_leader $(fleet_leads "$i"))"
done
F1=$(( (LEADER + 1) % N )) F2=$(( (LEADER + 2) % N ))

kms_at() { local i=$1; shift; "$AWS_BIN" kms "$@" --endpoint-url "${ENDPOINT[$i]}" --output json; }
show_at() { local i=$1; shift; printf '$ aws kms %s --endpoint-url %s\n' "$*" "${ENDPOINT[$i]}"; kms_at "$i" "$@"; }
# Runs an AWS CLI call on parent i until it succeeds (a follower applies the leader's records a
# moment later, by watch): at most 15 s.
eventually_at() {
  local i=$1; shift
  printf '$ aws kms %s --endpoint-url %s\n' "$*" "${ENDPOINT[$i]}"
  for _ in $(seq 1 75); do
    if kms_at "$i" "$@" >"$WORK/answer" 2>"$WORK/err"; then cat "$WORK/answer"; return 0; fi
    sleep 0.2
  done
  cat "$WORK/err" >&2; die "parent $i never answered: aws kms $*"
}

step "5. Writes through the leader's parent (parent $LEADER)"
show_at "$LEADER" create-key --description "fleet demo key" | tee "$WORK/key.json"
KEY_ID=$(sed -n 's/.*"KeyId": "\([^"]*\)".*/\1/p' "$WORK/key.json")
show_at "$LEADER" create-alias --alias-name alias/fleet --target-key-id "$KEY_ID"
printf 'hello fleet' > "$WORK/hello.txt" # decrypts to aGVsbG8gZmxlZXQ= (base64)
show_at "$LEADER" encrypt --key-id alias/fleet --plaintext "fileb://$WORK/hello.txt" | tee "$WORK/enc.json"
BLOB=$(sed -n 's/.*"CiphertextBlob": "\([^"]*\)".*/\1/p' "$WORK/enc.json")
printf '%s' "$BLOB" | base64 -d > "$WORK/hello.blob"

step "6. Reads through the followers' parents ($F1 and $F2)"
eventually_at "$F1" describe-key --key-id alias/fleet --query 'KeyMetadata.[KeyId,Description]'
eventually_at "$F2" decrypt --ciphertext-blob "fileb://$WORK/hello.blob" --query '[KeyId,Plaintext]'
eventually_at "$F1" generate-data-key --key-id alias/fleet --key-spec AES_256 --query '[KeyId,CiphertextBlob]'

step "7. A write through a follower (parent $F1): the documented, retryable error"
echo "\$ AWS_MAX_ATTEMPTS=1 aws kms create-key --endpoint-url ${ENDPOINT[$F1]}   (no retries, to see it)"
if AWS_MAX_ATTEMPTS=1 kms_at "$F1" create-key >/dev/null 2>"$WORK/err"; then die "UNEXPECTED: a follower accepted a write"; fi
grep -q 'KMSInternalException' "$WORK/err" || { cat "$WORK/err" >&2; die "not KMSInternalException"; }
grep -q 'this enclave is a follower' "$WORK/err" || { cat "$WORK/err" >&2; die "not the follower error"; }
printf '   refused, retryably: %s\n' "$(grep -v '^$' "$WORK/err" | tail -1)"

OLD=$LEADER OLD_PID=$(fleet_enclave_pid "$LEADER")
step "8. kill -9 the leader's enclave (parent $OLD, pid $OLD_PID)"
T0=$(now_ms)
run kill -9 "$OLD_PID"
deadline=$(($(date +%s) + 60))
NEW=
while [ "$(date +%s)" -lt "$deadline" ]; do
  for i in $(seq 0 $((N - 1))); do
    [ "$(fleet_leads "$i")" = 1 ] || continue
    # The killed process may still look like the leader for a moment: only a new process counts.
    if [ "$i" != "$OLD" ] || [ "$(fleet_enclave_pid "$i")" != "$OLD_PID" ]; then NEW=$i; break 2; fi
  done
  sleep 0.1
done
[ -n "$NEW" ] || die "no new leader 60 s after the kill"
T1=$(now_ms)
echo "   parent $NEW's enclave (pid $(fleet_enclave_pid "$NEW")) leads after $((T1 - T0)) ms (lease TTL 3 s)"
echo "   parent $OLD restarts its enclave (pid $(fleet_enclave_pid "$OLD")), which rejoins the fleet"

step "9. A write through the new leader (parent $NEW), then every key through every parent"
eventually_at "$NEW" create-key --description "made after the failover" | tee "$WORK/key2.json"
T2=$(now_ms)
echo "   first write acknowledged $((T2 - T0)) ms after the kill"
KEY2=$(sed -n 's/.*"KeyId": "\([^"]*\)".*/\1/p' "$WORK/key2.json")
for i in $(seq 0 $((N - 1))); do
  eventually_at "$i" describe-key --key-id alias/fleet --query 'KeyMetadata.KeyId' >"$WORK/got"
  grep -q "$KEY_ID" "$WORK/got" || die "parent $i: alias/fleet is not $KEY_ID"
  eventually_at "$i" describe-key --key-id "$KEY2" --query 'KeyMetadata.Description' >/dev/null
  eventually_at "$i" decrypt --ciphertext-blob "fileb://$WORK/hello.blob" --query Plaintext >"$WORK/got"
  grep -q 'aGVsbG8gZmxlZXQ=' "$WORK/got" || die "parent $i: the ciphertext does not decrypt"
  echo "   parent $i: alias/fleet -> $KEY_ID, $KEY2 present, the ciphertext decrypts: OK"
done
step "   etcd holds only sealed bytes (what the operator sees with etcdctl)"
fleet_ctl get "$FLEET_PREFIX" --prefix --keys-only | grep -v '^$' | sed 's/^/   /'
if fleet_ctl get "$FLEET_PREFIX" --prefix --print-value-only | grep -aq 'fleet demo key'; then
  die "a key's description is readable in etcd"
fi
echo "   (no description, alias or key material in clear)"

step "10. Stop everything"
for pid in "${PROXY_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for i in $(seq 0 $((N - 1))); do wait "${PROXY_PIDS[$i]}" || true; echo "   parent $i stopped (and its enclave)"; done
PROXY_PIDS=()
for pid in "${ETCD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for i in $(seq 0 $((N - 1))); do wait "${ETCD_PIDS[$i]}" || true; echo "   etcd-$i stopped"; done
ETCD_PIDS=()

printf '\ncluster-demo: ok\n'
