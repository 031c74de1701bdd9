#!/usr/bin/env bash
# The example enclave application against the simulated chain:
# envelope-encrypt a file with an attested data key, then decrypt it with an attested Decrypt.
# Usage: scripts/example.sh [BIN_DIR]   (make example passes target/debug)
set -euo pipefail
BIN_DIR=${1:-target/debug}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-example.XXXXXX")
PROXY_PID=
cleanup() {
  if [ -n "$PROXY_PID" ] && kill -0 "$PROXY_PID" 2>/dev/null; then kill -TERM "$PROXY_PID"; wait "$PROXY_PID" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN_DIR/nitro-kms-proxy" --simulate --state-dir "$WORK/world" --listen 127.0.0.1:0 >"$WORK/proxy.out" 2>"$WORK/proxy.log" &
PROXY_PID=$!
for _ in $(seq 1 600); do grep -q '^endpoint: ' "$WORK/proxy.out" 2>/dev/null && break; sleep 0.1; done
ENDPOINT=$(sed -n 's/^endpoint: //p' "$WORK/proxy.out")
[ -n "$ENDPOINT" ] || { cat "$WORK/proxy.log" >&2; exit 1; }
export AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$WORK/proxy.out")
export AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$WORK/proxy.out")
export AWS_DEFAULT_REGION=us-east-1
set -x
KEY=$("$BIN_DIR/nitro-kms" create-key --endpoint-url "$ENDPOINT" --output json | sed -n 's/.*"KeyId": "\([^"]*\)".*/\1/p')
"$BIN_DIR/nitro-kms" create-alias --alias-name alias/files --target-key-id "$KEY" --endpoint-url "$ENDPOINT"
head -c 100000 /dev/urandom > "$WORK/secret.bin"
"$BIN_DIR/envelope-file" encrypt "$WORK/secret.bin" "$WORK/secret.enc" --key-id alias/files \
  --endpoint-url "$ENDPOINT" --recipient "simulated:$WORK/world"
ls -l "$WORK/secret.enc" "$WORK/secret.enc.key"
"$BIN_DIR/envelope-file" decrypt "$WORK/secret.enc" "$WORK/secret.back" \
  --endpoint-url "$ENDPOINT" --recipient "simulated:$WORK/world"
cmp "$WORK/secret.bin" "$WORK/secret.back"
set +x
echo "example complete: the file round-tripped through attested data keys"
