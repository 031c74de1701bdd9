#!/usr/bin/env bash
# The example enclave applications against the simulated chain:
# 1. examples/envelope-file (nitro-kms's own client): envelope-encrypt a file with an attested
#    data key, then decrypt it with an attested Decrypt;
# 2. examples/aws-sdk-rust (the official AWS SDK for Rust), over TLS: the CA comes from
#    `nitro-kms service verify`, the endpoint and credentials from the --print-env block; an
#    attested GenerateDataKey, then an attested Decrypt of its CiphertextBlob.
# Usage: scripts/example.sh [BIN_DIR [SDK_EXAMPLE_BIN]]
#   (make example passes target/debug and target/debug/aws-sdk-rust-example; without the second
#   argument part 2 is skipped, saying so)
set -euo pipefail
BIN_DIR=${1:-target/debug}
SDK_EXAMPLE=${2:-}
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

if [ -z "$SDK_EXAMPLE" ]; then
  echo "aws-sdk-rust example skipped: no binary given (make example builds and passes it)"
  exit 0
fi
# Part 2, as a user would do it by hand: the simulation's environment block (the same one `make
# sim` prints), the attested CA for TLS on the same port, and the AWS SDK application.
AUTHORITY=${ENDPOINT#http://}
eval "$("$BIN_DIR/nitro-kms-proxy" --simulate --state-dir "$WORK/world" --listen "$AUTHORITY" --print-env)"
set -x
"$BIN_DIR/nitro-kms" service verify --endpoint-url "https://$AUTHORITY" \
  --trust-simulated-root "$WORK/world/root.pem" --ca-out "$WORK/ca.pem" >"$WORK/verified.json"
grep '"ca_sha256"' "$WORK/verified.json"
export AWS_ENDPOINT_URL="https://$AUTHORITY" AWS_CA_BUNDLE="$WORK/ca.pem"
SDK_KEY=$("$BIN_DIR/nitro-kms" create-key --description aws-sdk-rust-example --output json | sed -n 's/.*"KeyId": "\([^"]*\)".*/\1/p')
"$SDK_EXAMPLE" --key-id "$SDK_KEY" --recipient "simulated:$WORK/world"
set +x
echo "example complete: an attested data key through the official AWS SDK for Rust, over TLS"
