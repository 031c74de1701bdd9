#!/usr/bin/env bash
# make eif: build the enclave image (Dockerfile) and turn it into an enclave image file (EIF) with
# nitro-cli, then print its measurements. Runs on an EC2 instance with Nitro Enclaves enabled (or
# any Linux host with docker and nitro-cli installed); docs/deploy-nitro.md walks through it.
#
#   ENCLAVE_CONFIG      the enclave's TOML, baked into the image and measured into PCR0
#                       (default deploy/enclave.toml; start from deploy/enclave.toml.example).
#                       Must be inside this repository: it is part of the docker build context.
#   IMAGE               docker tag of the image (default nitro-kms-enclave:latest)
#   EIF                 output file (default target/nitro-kms-enclave.eif); the measurements are
#                       written beside it as EIF.json
#   EIF_SIGNING_CERT    optional: sign the EIF with this certificate (PEM) ...
#   EIF_SIGNING_KEY     ... and this private key (PEM); the signed EIF has a PCR8
#
# Prints PCR0, PCR1, PCR2 (and PCR8 when signed). PCR0 is what the seal-root key policy names
# (kms:RecipientAttestation:ImageSha384).
set -euo pipefail
cd "$(dirname "$0")/.."

ENCLAVE_CONFIG=${ENCLAVE_CONFIG:-deploy/enclave.toml}
IMAGE=${IMAGE:-nitro-kms-enclave:latest}
EIF=${EIF:-target/nitro-kms-enclave.eif}
EIF_SIGNING_CERT=${EIF_SIGNING_CERT:-}
EIF_SIGNING_KEY=${EIF_SIGNING_KEY:-}

die() {
  echo "make eif: $*" >&2
  exit 1
}

missing=()
command -v docker >/dev/null 2>&1 || missing+=(docker)
command -v nitro-cli >/dev/null 2>&1 || missing+=(nitro-cli)
if [ ${#missing[@]} -gt 0 ]; then
  die "${missing[*]} not found. Building an EIF needs docker and nitro-cli: run this on an EC2
  instance with Nitro Enclaves enabled, with the packages aws-nitro-enclaves-cli and
  aws-nitro-enclaves-cli-devel (nitro-cli and its build blobs) and docker installed
  (Amazon Linux 2023: sudo dnf install -y aws-nitro-enclaves-cli aws-nitro-enclaves-cli-devel docker).
  See docs/deploy-nitro.md. On this machine, 'make docker-check' checks what can be checked without them."
fi
docker info >/dev/null 2>&1 ||
  die "docker is installed but its engine does not answer (sudo systemctl start docker; is $(id -un) in the docker group?)"

# The configuration: present, inside the build context, and fit for a real enclave.
if [ ! -f "$ENCLAVE_CONFIG" ]; then
  die "$ENCLAVE_CONFIG does not exist. Copy deploy/enclave.toml.example to deploy/enclave.toml and set
  your seal-root key, region and account (or set ENCLAVE_CONFIG=path/inside/this/repository)."
fi
config_abs=$(realpath "$ENCLAVE_CONFIG")
case "$config_abs" in
  "$PWD"/*) config_rel=${config_abs#"$PWD"/} ;;
  *) die "$ENCLAVE_CONFIG is outside $PWD: docker can only COPY files of the build context; put it under deploy/" ;;
esac
# The enclave binary checks it (nitro-kms-enclave --check-config --production): a host build of
# the same source, since the image's own binary is only built inside docker below.
echo "== cargo build --release --locked -p nitro-kms-enclave (to check $config_rel)"
"${CARGO:-cargo}" build --release --locked -p nitro-kms-enclave ||
  die "cannot build nitro-kms-enclave to check $config_rel (cargo: docs/deploy-nitro.md)"
python3 scripts/deploy_checks.py config "$config_rel" --production --refuse-placeholder \
  --enclave-bin "${CARGO_TARGET_DIR:-target}/release/nitro-kms-enclave" ||
  die "$config_rel is not fit for an enclave image (see above)"

sign=()
if [ -n "$EIF_SIGNING_CERT" ] || [ -n "$EIF_SIGNING_KEY" ]; then
  [ -f "$EIF_SIGNING_CERT" ] || die "EIF_SIGNING_CERT=$EIF_SIGNING_CERT: no such file (both EIF_SIGNING_CERT and EIF_SIGNING_KEY are needed to sign)"
  [ -f "$EIF_SIGNING_KEY" ] || die "EIF_SIGNING_KEY=$EIF_SIGNING_KEY: no such file (both EIF_SIGNING_CERT and EIF_SIGNING_KEY are needed to sign)"
  sign=(--signing-certificate "$EIF_SIGNING_CERT" --private-key "$EIF_SIGNING_KEY")
fi

mkdir -p "$(dirname "$EIF")"
echo "== docker build -t $IMAGE (ENCLAVE_CONFIG=$config_rel)"
docker build --build-arg "ENCLAVE_CONFIG=$config_rel" -t "$IMAGE" .

echo "== nitro-cli build-enclave --docker-uri $IMAGE --output-file $EIF ${sign[*]:+(signed)}"
out=$(mktemp "${TMPDIR:-/tmp}/nitro-kms-eif.XXXXXX")
trap 'rm -f "$out"' EXIT
nitro-cli build-enclave --docker-uri "$IMAGE" --output-file "$EIF" "${sign[@]}" | tee "$out"

echo "== measurements (saved to $EIF.json)"
python3 scripts/deploy_checks.py measurements "$out" "$EIF.json"
echo "EIF: $EIF ($(du -h "$EIF" | cut -f1)); run it with at least 4x its size of enclave memory (nitro-cli refuses less)."
echo "Next: put PCR0 in the seal-root key policy (kms:RecipientAttestation:ImageSha384) BEFORE running this"
echo "image, then install it as /opt/nitro-kms/nitro-kms-enclave.eif (docs/deploy-nitro.md)."
