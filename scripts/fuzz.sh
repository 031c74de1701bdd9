#!/usr/bin/env bash
# make fuzz: every cargo-fuzz target of fuzz/ for a bounded time, one after another, from the
# committed seed corpus; prints per target the executions, the final coverage and whether it
# crashed. Not part of `make test`.
#
# Usage: scripts/fuzz.sh [TARGET...]   (default: every fuzz/fuzz_targets/*.rs)
#        scripts/fuzz.sh --seeds        rewrite fuzz/corpus/ and fuzz/fixtures/ (src/bin/make_seeds.rs)
#
#   FUZZ_SECONDS   seconds per target (default 60), libFuzzer's -max_total_time
#   FUZZ_ARGS      more libFuzzer flags, e.g. "-max_len=8192 -seed=1"
#   CARGO_FUZZ     the cargo-fuzz binary (default target/tools/bin/cargo-fuzz, which `make fuzz`
#                  installs from crates.io: `cargo install cargo-fuzz --locked --version 0.13.2
#                  --root target/tools`, a few minutes, once)
#
# The toolchain is stable; RUSTC_BOOTSTRAP=1 lets it accept the nightly-only flags cargo-fuzz
# passes (-Zsanitizer=address and the sanitizer-coverage options). The build (address sanitizer,
# debug assertions, overflow checks) goes to fuzz/target. libFuzzer adds the inputs it finds to
# the first corpus directory, fuzz/target/corpus/<target> (kept between runs, never committed),
# and only reads the committed seeds in fuzz/corpus/<target>. A crash leaves its input in
# fuzz/artifacts/<target>/ and the whole output in fuzz/target/logs/<target>.log.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_ARGS=${FUZZ_ARGS:-}
CARGO_FUZZ=${CARGO_FUZZ:-target/tools/bin/cargo-fuzz}
export RUSTC_BOOTSTRAP=1

if [ ! -x "$CARGO_FUZZ" ]; then
  echo "$CARGO_FUZZ not found: run \`make fuzz\` (it installs cargo-fuzz) or set CARGO_FUZZ" >&2
  exit 2
fi

if [ "${1:-}" = "--seeds" ]; then
  # make_seeds is a bin of the fuzz crate, so one build serves both; the targets are built again
  # afterwards because the simulated root it writes is compiled into attestation_document.
  "$CARGO_FUZZ" fuzz build
  ASAN_OPTIONS=detect_leaks=0 fuzz/target/x86_64-unknown-linux-gnu/release/make_seeds
  "$CARGO_FUZZ" fuzz build
  exit 0
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz/fuzz_targets/*.rs; do
    targets+=("$(basename "$f" .rs)")
  done
fi

echo "== building ${#targets[@]} fuzz targets (fuzz/target)"
"$CARGO_FUZZ" fuzz build

mkdir -p fuzz/target/logs
rows=()
failed=0
for t in "${targets[@]}"; do
  log=fuzz/target/logs/$t.log
  mkdir -p "fuzz/target/corpus/$t" "fuzz/artifacts/$t"
  echo "== $t: ${FUZZ_SECONDS}s"
  start=$(date +%s)
  set +e
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  "$CARGO_FUZZ" fuzz run "$t" "fuzz/target/corpus/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout=25 -print_final_stats=1 $FUZZ_ARGS >"$log" 2>&1
  rc=$?
  set -e
  # libFuzzer's own count of seconds (the wall clock also holds the build check of `fuzz run`).
  seconds=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  [ -n "$seconds" ] || seconds="$(($(date +%s) - start))?"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  corpus=$(find "fuzz/target/corpus/$t" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    crashed=no
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    crashed="YES (exit $rc) ${artifact:-see $log}"
  fi
  rows+=("$(printf '%-22s %7s %12s %7s %7s %7s  %s' "$t" "$seconds" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$crashed")")
done

echo
printf '%-22s %7s %12s %7s %7s %7s  %s\n' target seconds runs cov ft corpus crashed
printf '%s\n' "${rows[@]}"
exit "$failed"
