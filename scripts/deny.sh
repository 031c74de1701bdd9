#!/usr/bin/env bash
# make deny: cargo-deny over Cargo.lock and examples/aws-sdk-rust/Cargo.lock, with deny.toml.
#
#   licenses, bans, sources   always (offline: they need only Cargo.lock and the manifests)
#   advisories                against the RustSec database: a local checkout named by
#                             NITRO_KMS_ADVISORY_DB (a clone of github.com/rustsec/advisory-db),
#                             or fetched from GitHub when this machine can reach it; with
#                             neither, make deny FAILS unless NITRO_KMS_SKIP_ADVISORIES=1 says
#                             that skipping them is intended (.ci/run sets it, and says so)
#
# Usage: scripts/deny.sh CARGO_DENY_BINARY
set -euo pipefail
DENY=$1
cd "$(dirname "$0")/.."

# The main workspace, and examples/aws-sdk-rust: its own workspace with its own Cargo.lock (the
# AWS SDK for Rust), held to the same deny.toml.
SDK_EXAMPLE=(--manifest-path examples/aws-sdk-rust/Cargo.toml)
"$DENY" --log-level error --locked check licenses bans sources
echo "cargo deny: licenses, bans, sources ok"
"$DENY" --log-level error --locked "${SDK_EXAMPLE[@]}" --config deny.toml check licenses bans sources
echo "cargo deny: licenses, bans, sources ok (examples/aws-sdk-rust)"

if [ -n "${NITRO_KMS_ADVISORY_DB:-}" ]; then
  # cargo-deny reads a database from DB_PATH/<name>: give it the checkout under a temp path.
  DB=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-advisory-db.XXXXXX")
  trap 'rm -rf "$DB"' EXIT
  cfg="$DB/deny.toml"
  sed "s|^\[advisories\]|[advisories]\ndb-path = \"$DB\"\ndb-urls = [\"https://github.com/rustsec/advisory-db\"]|" deny.toml >"$cfg"
  git clone -q "$NITRO_KMS_ADVISORY_DB" "$DB/advisory-db-3157b0e258782691"
  "$DENY" --log-level warn --config "$cfg" --offline --locked check advisories
  "$DENY" --log-level warn --config "$cfg" --offline --locked "${SDK_EXAMPLE[@]}" check advisories
  echo "cargo deny: advisories ok (database: $NITRO_KMS_ADVISORY_DB at $(git -C "$NITRO_KMS_ADVISORY_DB" log -1 --format=%cs))"
elif timeout 10 git ls-remote https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
  "$DENY" --log-level warn --locked check advisories
  "$DENY" --log-level warn --locked "${SDK_EXAMPLE[@]}" --config deny.toml check advisories
  echo "cargo deny: advisories ok (fetched from GitHub)"
elif [ "${NITRO_KMS_SKIP_ADVISORIES:-}" = 1 ]; then
  echo "cargo deny: advisories NOT checked (NITRO_KMS_SKIP_ADVISORIES=1): github.com is not" \
    "reachable from here and NITRO_KMS_ADVISORY_DB is not set (see SECURITY.md, Supply chain)"
else
  echo "cargo deny: advisories could not be checked: github.com is not reachable from here and" \
    "NITRO_KMS_ADVISORY_DB is not set; set NITRO_KMS_ADVISORY_DB=<advisory-db checkout>, or" \
    "NITRO_KMS_SKIP_ADVISORIES=1 to skip them knowingly (see SECURITY.md, Supply chain)" >&2
  exit 1
fi
