# shellcheck shell=bash
# A fleet of simulated enclaves on a loopback etcd cluster (issue 19), for scripts to SOURCE:
# scripts/cluster_demo.sh (make cluster-demo) and the fleet step of scripts/bench.sh.
#
# The caller sets WORK (a temp dir with a short path: Unix sockets live in it), PROXY and ENCLAVE
# (the binaries), and stops what ETCD_PIDS and PROXY_PIDS hold on exit. Functions:
#   fleet_pki                   the CA, three member certificates, an operator certificate
#   fleet_etcd_start N          N etcd members (TLS, --client-cert-auth); waits until healthy
#   fleet_worlds N              N worlds sharing one sealing key, and the enclaves' certificate
#   fleet_parent_start I TTL    parent I (nitro-kms-proxy --simulate, egress relay to the members)
#   fleet_wait_parents N        waits until the N parents print their endpoints; sets ENDPOINT[]
#   fleet_leads I               1 if enclave I leads, 0 if it follows, empty if it does not answer
#   fleet_wait_leader N SECS    waits until exactly one of N enclaves leads; sets LEADER
#   fleet_enclave_pid I         parent I's enclave's pid now
#   fleet_ctl ARGS...           etcdctl as the operator

ETCD=$(command -v etcd || true)
ETCDCTL=$(command -v etcdctl || true)
ETCD_PIDS=()
PROXY_PIDS=()
ENDPOINT=()
# The key prefix of the fleet's sealed state in etcd.
FLEET_PREFIX=/nitro-kms/demo/
# etcd's largest request (default 1.5 MiB). A snapshot is ONE put of the whole sealed state,
# base64 in the JSON gateway's request: past ~3,000 keys it exceeds etcd's default and every
# snapshot fails with "etcdserver: request is too large" (then writes time out); the benchmarks
# make thousands of keys, so the members get 10 MiB, etcd's recommended ceiling.
FLEET_MAX_REQUEST_BYTES=${FLEET_MAX_REQUEST_BYTES:-10485760}

# True when etcd and etcdctl are on PATH; otherwise says how to get them (standard error).
fleet_have_etcd() {
  [ -n "$ETCD" ] && [ -n "$ETCDCTL" ] && return 0
  echo "etcd is not installed (etcd and etcdctl on PATH, version 3.4 or later)." >&2
  echo "  Debian/Ubuntu: sudo apt-get install etcd-server etcd-client" >&2
  echo "  elsewhere: https://github.com/etcd-io/etcd/releases (put etcd and etcdctl on PATH)" >&2
  return 1
}

# A free loopback TCP port (the kernel picks it; nothing else binds it in the moment between).
fleet_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# fleet_sign NAME EKU CSR: the CA signs CSR into $PKI/NAME.pem (members: SAN 127.0.0.1, localhost).
fleet_sign() {
  local name=$1 eku=$2 csr=$3 ext="$PKI/$1.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [ "$eku" = "clientAuth" ] || echo "subjectAltName=IP:127.0.0.1,DNS:localhost"
  } >"$ext"
  openssl x509 -req -in "$csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 1 -extfile "$ext" -out "$PKI/$name.pem" 2>/dev/null
}

fleet_newcert() {
  local name=$1 eku=$2
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
  fleet_sign "$name" "$eku" "$PKI/$name.csr"
}

fleet_pki() {
  PKI="$WORK/pki"
  mkdir -p "$PKI"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=nitro-kms demo etcd CA" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
  local i
  # serverAuth AND clientAuth: etcd's gRPC gateway dials its own member with this certificate.
  for i in 0 1 2; do fleet_newcert "etcd-$i" "serverAuth,clientAuth"; done
  fleet_newcert operator clientAuth
}

fleet_ctl() {
  ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ENDPOINTS" --cacert "$PKI/ca.pem" \
    --cert "$PKI/operator.pem" --key "$PKI/operator.key" --dial-timeout 2s --command-timeout 3s "$@"
}

fleet_etcd_start() {
  local n=$1 i c p cluster=
  CLIENT_PORTS=() PEER_PORTS=()
  for i in $(seq 0 $((n - 1))); do
    CLIENT_PORTS+=("$(fleet_free_port)")
    PEER_PORTS+=("$(fleet_free_port)")
    cluster+="${cluster:+,}etcd-$i=https://127.0.0.1:${PEER_PORTS[$i]}"
  done
  for i in $(seq 0 $((n - 1))); do
    c="https://127.0.0.1:${CLIENT_PORTS[$i]}" p="https://127.0.0.1:${PEER_PORTS[$i]}"
    "$ETCD" --name "etcd-$i" --data-dir "$WORK/etcd-$i.data" \
      --listen-client-urls "$c" --advertise-client-urls "$c" \
      --listen-peer-urls "$p" --initial-advertise-peer-urls "$p" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token nitro-kms-demo \
      --cert-file "$PKI/etcd-$i.pem" --key-file "$PKI/etcd-$i.key" \
      --client-cert-auth --trusted-ca-file "$PKI/ca.pem" \
      --peer-cert-file "$PKI/etcd-$i.pem" --peer-key-file "$PKI/etcd-$i.key" \
      --peer-client-cert-auth --peer-trusted-ca-file "$PKI/ca.pem" \
      --heartbeat-interval 100 --election-timeout 1000 --logger zap \
      --max-request-bytes "$FLEET_MAX_REQUEST_BYTES" \
      >"$WORK/etcd-$i.log" 2>&1 &
    ETCD_PIDS+=($!)
    echo "   etcd-$i: pid $!, client $c, peer $p, data $WORK/etcd-$i.data"
  done
  ENDPOINTS=$(printf '127.0.0.1:%s,' "${CLIENT_PORTS[@]}")
  ENDPOINTS=${ENDPOINTS%,}
  for _ in $(seq 1 60); do fleet_ctl endpoint health >/dev/null 2>&1 && return 0; sleep 0.5; done
  fleet_ctl endpoint health >&2 || true
  echo "etcd did not become healthy in 30 s" >&2
  return 1
}

# The enclaves' etcd client key is derived from the sealing key: one CSR, one certificate, for
# every enclave of the fleet. The operator signs it after checking the enclave's attestation.
fleet_worlds() {
  local n=$1 i
  for i in $(seq 0 $((n - 1))); do mkdir -p "$WORK/w$i"; done
  "$ENCLAVE" --simulate --state-dir "$WORK/w0" --print-etcd-csr >"$WORK/enclave.csr" 2>"$WORK/csr.err"
  for i in $(seq 1 $((n - 1))); do cp "$WORK/w0/sealing.key" "$WORK/w$i/sealing.key"; done
  fleet_sign enclave clientAuth "$WORK/enclave.csr"
}

fleet_parent_start() {
  local i=$1 ttl=$2 egress allow
  egress="unix://$WORK/egress-$i.sock"
  allow=$(printf 'allow=127.0.0.1:%s,' "${CLIENT_PORTS[@]}")
  allow=${allow%,}
  NITRO_KMS_ENCLAVE_STORAGE=etcd \
    NITRO_KMS_ENCLAVE_ETCD_ENDPOINTS="$ENDPOINTS" \
    NITRO_KMS_ENCLAVE_ETCD_CA="$PKI/ca.pem" \
    NITRO_KMS_ENCLAVE_ETCD_CLIENT_CERTIFICATE="$PKI/enclave.pem" \
    NITRO_KMS_ENCLAVE_ETCD_PREFIX="$FLEET_PREFIX" \
    NITRO_KMS_ENCLAVE_ETCD_RELAY="$egress" \
    NITRO_KMS_ENCLAVE_ETCD_LEASE_TTL_SECS="$ttl" \
    "$PROXY" --simulate --state-dir "$WORK/w$i" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --egress "listen=$egress,$allow" >"$WORK/proxy-$i.out" 2>"$WORK/proxy-$i.log" &
  PROXY_PIDS+=($!)
}

fleet_wait_parents() {
  local n=$1 i
  for i in $(seq 0 $((n - 1))); do
    for _ in $(seq 1 600); do grep -q '^admin: ' "$WORK/proxy-$i.out" 2>/dev/null && break; sleep 0.1; done
    grep -q '^admin: ' "$WORK/proxy-$i.out" || { echo "parent $i did not start in 60 s" >&2; return 1; }
    ENDPOINT[$i]=$(sed -n 's/^endpoint: //p' "$WORK/proxy-$i.out")
  done
}

fleet_enclave_pid() { sed -n 's/.*enclave started.*pid=\([0-9]*\).*/\1/p' "$WORK/proxy-$1.log" | tail -1; }

fleet_leads() {
  curl -s --max-time 2 "${ENDPOINT[$1]}/metrics" 2>/dev/null | sed -n 's/^nitro_kms_store_leader \([01]\)$/\1/p'
}

fleet_wait_leader() {
  local n=$1 deadline=$(($(date +%s) + $2)) i count
  while [ "$(date +%s)" -lt "$deadline" ]; do
    LEADER= count=0
    for i in $(seq 0 $((n - 1))); do
      if [ "$(fleet_leads "$i")" = 1 ]; then LEADER=$i; count=$((count + 1)); fi
    done
    [ "$count" = 1 ] && return 0
    sleep 0.1
  done
  return 1
}

# Waits (at most SECS) until enclave I answers its /metrics (as leader or follower).
fleet_wait_answers() {
  local deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ -n "$(fleet_leads "$1")" ] && return 0
    sleep 0.1
  done
  return 1
}
