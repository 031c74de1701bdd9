#!/usr/bin/env bash
# The nitro-kms demo: the whole simulated chain, end to end, driven by the real AWS CLI.
#
#   AWS CLI --HTTP (SigV4)--> nitro-kms-proxy --frames (Unix socket)--> nitro-kms-enclave (simulated NSM)
#
# Usage: scripts/demo.sh [BIN_DIR]   (make demo passes target/debug and makes target/test-venv)
#        RUST_LOG=trace DEMO_KEEP=DIR scripts/demo.sh ...   (what the secrets-in-logs test runs)
set -euo pipefail

BIN_DIR=${1:-target/debug}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NK="$BIN_DIR/nitro-kms"
PROXY="$BIN_DIR/nitro-kms-proxy"
AWS_BIN=${AWS_BIN:-$ROOT/target/test-venv/bin/aws}
VECTORS="$ROOT/common/attest/tests/vectors"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-demo.XXXXXX")
PROXY_PID=
# DEMO_KEEP=DIR keeps every file of the run (logs, answers, keys, the simulated world) in DIR: the
# secrets-in-logs test (tests/tests/demo_logs_hold_no_secrets.rs) scans them.
cleanup() {
  if [ -n "$PROXY_PID" ] && kill -0 "$PROXY_PID" 2>/dev/null; then kill -TERM "$PROXY_PID"; wait "$PROXY_PID" || true; fi
  if [ -n "${DEMO_KEEP:-}" ]; then mkdir -p "$DEMO_KEEP" && cp -r "$WORK"/. "$DEMO_KEEP"/; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# Runs a command that must FAIL; prints its one-line reason.
refused() {
  printf '$ %s\n' "$*"
  if "$@" >/dev/null 2>"$WORK/err"; then
    echo "UNEXPECTED: the command succeeded" >&2
    exit 1
  fi
  printf '   refused, as it must be: %s\n' "$(grep -v '^$' "$WORK/err" | tail -1)"
}

for bin in "$NK" "$PROXY" "$BIN_DIR/nitro-kms-enclave" "$AWS_BIN"; do
  [ -x "$bin" ] || { echo "missing $bin (run: make demo)" >&2; exit 1; }
done
SIM="$WORK/world"

step "1. One command starts the simulated chain: proxy + enclave + simulated NSM"
echo "\$ $PROXY --simulate --state-dir $SIM --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 &"
"$PROXY" --simulate --state-dir "$SIM" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$WORK/proxy.out" 2>"$WORK/proxy.log" &
PROXY_PID=$!
for _ in $(seq 1 600); do grep -q '^endpoint: ' "$WORK/proxy.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^endpoint: ' "$WORK/proxy.out" || { cat "$WORK/proxy.log" >&2; exit 1; }
cat "$WORK/proxy.out"
ENDPOINT=$(sed -n 's/^endpoint: //p' "$WORK/proxy.out")
export AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$WORK/proxy.out")
export AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$WORK/proxy.out")
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
kms() { run "$AWS_BIN" kms "$@" --endpoint-url "$ENDPOINT" --output json; }
kms_quiet() { "$AWS_BIN" kms "$@" --endpoint-url "$ENDPOINT" --output text; }

step "2. The AWS CLI creates a key and an alias"
kms create-key --description "demo key" | tee "$WORK/key.json"
KEY_ID=$(sed -n 's/.*"KeyId": "\([^"]*\)".*/\1/p' "$WORK/key.json")
kms create-alias --alias-name alias/demo --target-key-id "$KEY_ID"

step "3. generate-data-key, with an encryption context"
kms generate-data-key --key-id alias/demo --key-spec AES_256 --encryption-context purpose=demo
step "   generate-data-key-without-plaintext, decrypted later"
BLOB=$(kms_quiet generate-data-key-without-plaintext --key-id alias/demo --number-of-bytes 32 --query CiphertextBlob)
printf '%s' "$BLOB" | base64 -d > "$WORK/key.blob"
kms decrypt --ciphertext-blob "fileb://$WORK/key.blob"
step "   the seeds' rules, enforced by the enclave"
refused "$AWS_BIN" kms generate-data-key --key-id alias/demo --key-spec AES_256 --number-of-bytes 32 --endpoint-url "$ENDPOINT"
refused "$AWS_BIN" kms generate-data-key --key-id alias/demo --number-of-bytes 1025 --endpoint-url "$ENDPOINT"

step "4. An enclave application attests its RSA key; KMS answers with CiphertextForRecipient"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/app-key.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$WORK/app-key.pem" -outform DER -out "$WORK/app-key.pk8"
openssl pkey -in "$WORK/app-key.pem" -pubout -outform DER -out "$WORK/app-pub.der"
run "$NK" attestation simulate --state-dir "$SIM" --public-key "$WORK/app-pub.der" --out "$WORK/doc.cose"
# The AWS CLI v1 of the virtualenv cannot send a Recipient (it base64-encodes the document twice;
# README.md, "Recipient from the AWS CLI, boto3 and the SDKs", shows the forms that work), so this
# one call goes through boto3, from the same virtualenv.
PY="$(dirname "$AWS_BIN")/python"
echo "\$ python: kms.generate_data_key(KeyId='alias/demo', KeySpec='AES_256', Recipient={...document...})"
recipient_gdk() {
  "$PY" - "$ENDPOINT" "$WORK/doc.cose" <<'PYEOF'
import base64, json, sys, boto3
kms = boto3.client("kms", endpoint_url=sys.argv[1])
doc = open(sys.argv[2], "rb").read()
r = kms.generate_data_key(KeyId="alias/demo", KeySpec="AES_256",
                          Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": doc})
print(json.dumps({k: base64.b64encode(v).decode() if isinstance(v, bytes) else v
                  for k, v in r.items() if k != "ResponseMetadata"}, indent=4))
PYEOF
}
recipient_gdk > "$WORK/attested.json"
sed -e 's/\("CiphertextForRecipient": "\)\(.\{60\}\)[^"]*"/\1\2..."/' "$WORK/attested.json"
grep -q '"Plaintext"' "$WORK/attested.json" && { echo "UNEXPECTED: Plaintext with a Recipient" >&2; exit 1; }
sed -n 's/.*"CiphertextForRecipient": "\([^"]*\)".*/\1/p' "$WORK/attested.json" | base64 -d > "$WORK/envelope.ber"
sed -n 's/.*"CiphertextBlob": "\([^"]*\)".*/\1/p' "$WORK/attested.json" | base64 -d > "$WORK/attested.blob"
step "   only the enclave's private key opens it, and it is the key Decrypt gives"
echo "\$ $NK recipient decrypt $WORK/envelope.ber --key $WORK/app-key.pk8"
"$NK" recipient decrypt "$WORK/envelope.ber" --key "$WORK/app-key.pk8" | tee "$WORK/got"
PLAIN=$(kms_quiet decrypt --ciphertext-blob "fileb://$WORK/attested.blob" --query Plaintext)
if [ "$(cat "$WORK/got")" = "$PLAIN" ]; then
  echo "   = what aws kms decrypt returns for CiphertextBlob: OK"
else
  echo "MISMATCH: aws kms decrypt gave $PLAIN" >&2; exit 1
fi
step "   OpenSSL reads the same envelope: the format is standard CMS"
openssl cms -decrypt -inform DER -in "$WORK/envelope.ber" -inkey "$WORK/app-key.pem" | base64

step "5. A key policy that admits only one enclave image (PCR0) denies everyone else"
cat > "$WORK/policy.json" <<POLICY
{"Version":"2012-10-17","Statement":[
 {"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},
  "Action":["kms:Describe*","kms:Get*","kms:Put*"],"Resource":"*"},
 {"Sid":"OnlyImage","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},
  "Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*",
  "Condition":{"StringEqualsIgnoreCase":{"kms:RecipientAttestation:ImageSha384":"$(printf 'ab%.0s' $(seq 48))"}}}]}
POLICY
kms put-key-policy --key-id "$KEY_ID" --policy-name default --policy "file://$WORK/policy.json"
refused "$AWS_BIN" kms generate-data-key --key-id alias/demo --key-spec AES_256 --endpoint-url "$ENDPOINT"
printf '%s\n' "\$ python: the same attested generate_data_key (the document's PCR0 is not that image)"
if recipient_gdk >/dev/null 2>"$WORK/err"; then echo "UNEXPECTED: allowed" >&2; exit 1; fi
printf '   refused, as it must be: %s\n' "$(grep -o 'AccessDeniedException.*' "$WORK/err" | tail -1)"

step "6. A real AWS Nitro document (Anjuna's sample) verifies against the pinned AWS root"
DOC="$VECTORS/attestation/anjuna_prod_with_rsa_public_key.cose"
run "$NK" attestation verify "$DOC" --at 1616602241 --max-age 0 | head -4
echo "   ..."

step "7. The proxy stops the enclave and exits on SIGTERM"
kill -TERM "$PROXY_PID"; wait "$PROXY_PID"; echo "   proxy exited with status $?"; PROXY_PID=
curl -s "$ENDPOINT/healthz" >/dev/null 2>&1 && { echo "UNEXPECTED: still answering" >&2; exit 1; }
echo "   nothing listens on $ENDPOINT any more"

printf '\n\033[1mdemo complete.\033[0m Run it yourself: make sim (then use the printed aws kms line).\n'
