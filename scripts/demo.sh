#!/usr/bin/env bash
# The nitro-kms demo: the simulated chain as far as it exists today, end to end.
# Usage: scripts/demo.sh [BIN_DIR]   (make demo passes target/debug)
set -euo pipefail

BIN_DIR=${1:-target/debug}
NK="$BIN_DIR/nitro-kms"
VECTORS="$(cd "$(dirname "$0")/.." && pwd)/common/tests/vectors"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# Runs a command that must FAIL; prints its one-line reason.
refused() {
  printf '$ %s\n' "$*"
  if "$@" >/dev/null 2>"$WORK/err"; then
    echo "UNEXPECTED: the command succeeded" >&2
    exit 1
  fi
  printf '   refused, as it must be: %s\n' "$(cat "$WORK/err")"
}

[ -x "$NK" ] || { echo "build first: $NK not found" >&2; exit 1; }
SIM="$WORK/sim"

step "1. A simulated NSM: its root CA is made on first use and kept in the state directory"
run "$NK" attestation simulated-root --state-dir "$SIM" > "$WORK/sim-root.pem"
openssl x509 -in "$WORK/sim-root.pem" -noout -subject -fingerprint -sha256

step "2. The enclave application makes an RSA-2048 recipient key and gets it attested"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/app-key.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$WORK/app-key.pem" -outform DER -out "$WORK/app-key.pk8"
openssl pkey -in "$WORK/app-key.pem" -pubout -outform DER -out "$WORK/app-pub.der"
NONCE=$(openssl rand -base64 16)
run "$NK" attestation simulate --state-dir "$SIM" --public-key "$WORK/app-pub.der" \
  --nonce "$NONCE" --user-data "$(printf 'demo' | base64)" --out "$WORK/doc.cose"
ls -l "$WORK/doc.cose"

step "3. The KMS side verifies the document (trusting the simulated root only because we say so)"
run "$NK" attestation verify "$WORK/doc.cose" --trust-simulated-root "$WORK/sim-root.pem" \
  | sed -e 's/\("public_key": "\)\(.\{40\}\)[^"]*"/\1\2..."/'
step "   ... and the same document is refused against the pinned AWS Nitro root"
refused "$NK" attestation verify "$WORK/doc.cose"

step "4. A real AWS Nitro document (Anjuna's sample) verifies as of its own time, against the AWS root"
DOC="$VECTORS/attestation/anjuna_prod_with_rsa_public_key.cose"
run "$NK" attestation verify "$DOC" --at 1616602241 --max-age 0 | head -6
echo "   ..."
refused "$NK" attestation verify "$DOC" --at $((1616612782 + 3600)) --max-age 0

step "5. KMS encrypts a data key to the attested public key (CiphertextForRecipient, CMS)"
DATA_KEY=$(openssl rand -base64 32)
echo "   data key (what the enclave application should end up with): $DATA_KEY"
run "$NK" recipient encrypt --attestation-document "$WORK/doc.cose" \
  --trust-simulated-root "$WORK/sim-root.pem" --plaintext "$DATA_KEY" --out "$WORK/envelope.ber"
run "$NK" recipient inspect "$WORK/envelope.ber"
step "   only the enclave's private key opens it"
run "$NK" recipient decrypt "$WORK/envelope.ber" --key "$WORK/app-key.pk8" | tee "$WORK/got"
[ "$(cat "$WORK/got")" = "$DATA_KEY" ] && echo "   = the data key: OK"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$WORK/other.pem" -outform DER -out "$WORK/other.pk8"
refused "$NK" recipient decrypt "$WORK/envelope.ber" --key "$WORK/other.pk8"
step "   and OpenSSL reads the same envelope: the format is standard CMS"
openssl cms -decrypt -inform DER -in "$WORK/envelope.ber" -inkey "$WORK/app-key.pem" | base64

printf '\n\033[1mdemo complete.\033[0m The enclave key service is built and tested through frames (make test); the KMS endpoint that puts it behind the AWS CLI is the next milestone.\n'
