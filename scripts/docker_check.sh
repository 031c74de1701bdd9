#!/usr/bin/env bash
# make docker-check: everything about the enclave image and the deployment files that can be
# checked without a Nitro host (`make eif` needs docker and nitro-cli on an enclave-enabled EC2
# instance). Each check prints a line; the summary at the end says what passed, failed or was
# skipped and why. Exit status 1 if any check failed (a skipped check is not a failure).
#
#   1. release build of the enclave, exactly as the Dockerfile's builder stage does it
#      (cargo build --release --locked -p nitro-kms-enclave, x86_64-unknown-linux-gnu);
#   2. the binary runs on the final stage, gcr.io/distroless/cc-debian12: its NEEDED libraries are
#      all in that image (glibc + libgcc_s) and no symbol needs a glibc newer than Debian 12's 2.36;
#   3. the Dockerfile: COPY sources exist and are not .dockerignore'd, every workspace member is
#      copied, the final stage runs nothing (scripts/deploy_checks.py dockerfile);
#   4. deploy/enclave.toml.example: `nitro-kms-enclave --check-config FILE --production` (the
#      enclave's parser and start-up checks, and nothing a Nitro image must not have), and the
#      enclave binary accepts it (it then stops at the missing /dev/nsm);
#      deploy/credentials.toml.example as the proxy reads it;
#   5. deploy/systemd/*.service with `systemd-analyze verify` (when systemd-analyze exists), and
#      the proxy unit's ExecStart flags against a release build of nitro-kms-proxy;
#   6. `docker build` of the image (when a docker engine answers `docker info`).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN="$TARGET_DIR/release/nitro-kms-enclave"
# Debian 12 (bookworm), the base of gcr.io/distroless/cc-debian12, ships glibc 2.36.
MAX_GLIBC=2.36
# What gcr.io/distroless/cc-debian12 provides (libc6 and libgcc-s1).
ALLOWED_LIBS="libc.so.6 libm.so.6 libgcc_s.so.1 ld-linux-x86-64.so.2 libpthread.so.0 libdl.so.2 librt.so.1"
EXAMPLE_CONFIG=deploy/enclave.toml.example

summary=()
failed=0
pass() { summary+=("ok      $1"); echo "  ok   $1"; }
failure() { summary+=("FAILED  $1"); echo "  FAIL $1" >&2; failed=1; }
skipped() { summary+=("skipped $1"); echo "  skip $1"; }

# --- 1. the release build -----------------------------------------------------------------------
echo "== 1. cargo build --release --locked -p nitro-kms-enclave"
if "$CARGO" build --release --locked -p nitro-kms-enclave; then
  pass "release build of nitro-kms-enclave ($(du -h "$BIN" | cut -f1))"
  built=1
else
  failure "release build of nitro-kms-enclave (if the Rust code is being edited, run again later)"
  built=0
fi

# --- 2. the binary on distroless/cc-debian12 ----------------------------------------------------
echo "== 2. $BIN on gcr.io/distroless/cc-debian12 (glibc $MAX_GLIBC)"
if [ "$built" = 1 ]; then
  header=$(readelf -h "$BIN" 2>/dev/null)
  if grep -q 'Machine:.*X86-64' <<<"$header" && grep -q 'Class:.*ELF64' <<<"$header"; then
    pass "x86-64 ELF (the target of the image: x86_64-unknown-linux-gnu)"
  else
    failure "$BIN is not an x86-64 ELF64 binary"
  fi

  needed=$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
  interp=$(readelf -l "$BIN" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
  stray=()
  for lib in $needed; do
    case " $ALLOWED_LIBS " in *" $lib "*) ;; *) stray+=("$lib") ;; esac
  done
  if [ ${#stray[@]} -eq 0 ]; then
    pass "NEEDED libraries: $(echo "$needed" | tr '\n' ' ')(all in distroless/cc-debian12)"
  else
    failure "NEEDED libraries not in distroless/cc-debian12: ${stray[*]} (all NEEDED: $(echo "$needed" | tr '\n' ' '))"
  fi
  if [ "$interp" = /lib64/ld-linux-x86-64.so.2 ]; then
    pass "program interpreter $interp"
  else
    failure "program interpreter is '${interp:-none}', expected /lib64/ld-linux-x86-64.so.2"
  fi
  if ldd "$BIN" | grep -q 'not found'; then
    failure "ldd: unresolved libraries on this host: $(ldd "$BIN" | grep 'not found' | tr -s ' \n' ' ')"
  fi

  if command -v objdump >/dev/null 2>&1; then
    versions=$(objdump -T "$BIN" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V)
  else
    versions=$(readelf -V --wide "$BIN" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V)
  fi
  highest=$(tail -n 1 <<<"$versions")
  highest=${highest#GLIBC_}
  if [ -z "$highest" ]; then
    failure "no GLIBC_ symbol versions found in $BIN (statically linked? the image expects glibc)"
  elif [ "$(printf '%s\n%s\n' "$highest" "$MAX_GLIBC" | sort -V | tail -n 1)" = "$MAX_GLIBC" ]; then
    pass "highest glibc symbol version GLIBC_$highest <= $MAX_GLIBC (Debian 12)"
  else
    failure "needs GLIBC_$highest, newer than Debian 12's $MAX_GLIBC: $(grep -c . <<<"$versions") versions, e.g. $(tail -n 3 <<<"$versions" | tr '\n' ' ')"
  fi
else
  skipped "binary checks (no binary: the build failed)"
fi

# --- 3. the Dockerfile ------------------------------------------------------------------------
echo "== 3. Dockerfile"
if python3 scripts/deploy_checks.py dockerfile --build-arg "ENCLAVE_CONFIG=$EXAMPLE_CONFIG"; then
  pass "Dockerfile (COPY sources, .dockerignore, workspace members, final stage runs nothing)"
else
  failure "Dockerfile (see above)"
fi

# --- 4. configuration files -------------------------------------------------------------------
echo "== 4. deploy/*.example"
if [ "$built" = 1 ]; then
  if python3 scripts/deploy_checks.py config "$EXAMPLE_CONFIG" --production --enclave-bin "$BIN"; then
    pass "$EXAMPLE_CONFIG (nitro-kms-enclave --check-config --production: fit for an enclave image)"
  else
    failure "$EXAMPLE_CONFIG (see above)"
  fi
else
  skipped "$EXAMPLE_CONFIG: no enclave binary to check it with (the build failed)"
fi
# The enclave binary itself on the example: it resolves the configuration first (status 2 when
# it refuses it), then opens /dev/nsm, which only exists inside an enclave (status 1, "cannot
# open the NSM"). So status 1 with that message means: configuration accepted.
if [ "$built" = 1 ]; then
  verdict=$(timeout 20 "$BIN" --config "$EXAMPLE_CONFIG" 2>&1 </dev/null)
  status=$?
  if [ $status -eq 1 ] && grep -q 'cannot open the NSM' <<<"$verdict"; then
    pass "nitro-kms-enclave --config $EXAMPLE_CONFIG: accepted (then stops at the missing /dev/nsm, as it must off Nitro)"
  else
    echo "$verdict" >&2
    failure "nitro-kms-enclave --config $EXAMPLE_CONFIG: status $status (2 = configuration refused)"
  fi
fi
if python3 scripts/deploy_checks.py credentials deploy/credentials.toml.example; then
  pass "deploy/credentials.toml.example (fields of common/api/src/sigv4/access_keys.rs)"
else
  failure "deploy/credentials.toml.example (see above)"
fi

# --- 5. systemd units ----------------------------------------------------------------------
echo "== 5. systemd-analyze verify deploy/systemd/*.service"
if command -v systemd-analyze >/dev/null 2>&1; then
  # verify checks that every ExecStart= program and every Requires= unit exists. On this machine
  # nitro-cli, the proxy binary and nitro-enclaves-allocator.service do not, so verify the units
  # under a scratch root holding stand-ins for those three and the host's own unit directory.
  root=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-units.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/usr/local/bin" "$root/usr/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
  for stub in "$root/usr/local/bin/nitro-kms-proxy" "$root/usr/bin/nitro-cli"; do
    printf '#!/bin/sh\nexit 0\n' >"$stub"
    chmod 0755 "$stub"
  done
  printf '[Unit]\nDescription=stand-in\n[Service]\nType=oneshot\nExecStart=/usr/bin/nitro-cli\n' \
    >"$root/etc/systemd/system/nitro-enclaves-allocator.service"
  # A copy, not a symlink: the units' absolute symlinks are resolved inside the root.
  for dir in /usr/lib/systemd/system /lib/systemd/system; do
    if [ -d "$dir" ]; then
      mkdir -p "$root/usr/lib/systemd/system"
      cp -a "$dir/." "$root/usr/lib/systemd/system/"
      break
    fi
  done
  cp deploy/systemd/*.service "$root/etc/systemd/system/"
  units=()
  for unit in deploy/systemd/*.service; do units+=("/etc/systemd/system/$(basename "$unit")"); done
  # verify prints warnings (unknown keys, bad values) with status 0: any output is a failure.
  report=$(systemd-analyze verify --root="$root" "${units[@]}" 2>&1)
  status=$?
  if [ $status -eq 0 ] && [ -z "$report" ]; then
    pass "systemd-analyze verify: ${units[*]##*/} ($(systemd-analyze --version | head -n 1))"
  else
    echo "${report//$root/}" >&2
    failure "systemd-analyze verify (see above)"
  fi
else
  skipped "systemd units: systemd-analyze is not installed here"
fi

# The proxy unit's ExecStart flags against the proxy itself: its argument parser accepts them (and
# their values, such as the --egress spec and the enclave addresses) when it gets as far as the
# refusal of a plaintext --credentials file, which is added for that: outside --simulate the proxy
# refuses it (status 2, "refused without --simulate") before it opens or creates anything. The
# state directory is swapped for a scratch path all the same.
echo "== 5b. deploy/systemd/nitro-kms-proxy.service ExecStart flags against nitro-kms-proxy"
if "$CARGO" build --release --locked -p nitro-kms-proxy; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/nitro-kms-proxy-flags.XXXXXX")
  read -ra argv <<<"$(sed -n 's/^ExecStart=//p' deploy/systemd/nitro-kms-proxy.service)"
  for ((i = 1; i < ${#argv[@]}; i++)); do
    case "${argv[i - 1]}" in
      --state-dir) argv[i]="$scratch/state" ;;
    esac
  done
  verdict=$(timeout 20 "$TARGET_DIR/release/nitro-kms-proxy" "${argv[@]:1}" \
    --credentials "$scratch/never-read.toml" 2>&1 </dev/null)
  status=$?
  rm -rf "$scratch"
  if [ $status -eq 2 ] && grep -q 'refused without --simulate' <<<"$verdict"; then
    pass "nitro-kms-proxy accepts the unit's flags and values:$(grep -o -- ' --[a-z-]*' <<<" ${argv[*]:1}" | tr -d '\n')"
  else
    echo "$verdict" >&2
    failure "nitro-kms-proxy refused the unit's ExecStart flags (status $status)"
  fi
else
  failure "release build of nitro-kms-proxy (if the Rust code is being edited, run again later)"
fi

# --- 6. docker build ------------------------------------------------------------------------
echo "== 6. docker build"
if ! command -v docker >/dev/null 2>&1; then
  skipped "docker build: no docker command on this machine"
elif ! docker info >/dev/null 2>&1; then
  skipped "docker build: the docker command is here but no docker engine answers 'docker info'"
else
  if docker build --build-arg "ENCLAVE_CONFIG=$EXAMPLE_CONFIG" -t nitro-kms-enclave:docker-check . &&
    docker run --rm nitro-kms-enclave:docker-check --help >/dev/null; then
    pass "docker build (ENCLAVE_CONFIG=$EXAMPLE_CONFIG) and the binary starts in the image (--help)"
  else
    failure "docker build or the image's binary (see above)"
  fi
fi

echo
echo "== docker-check summary"
printf '  %s\n' "${summary[@]}"
echo "  not checkable here: nitro-cli build-enclave (PCRs), nitro-cli run-enclave, /dev/nsm, the"
echo "  seal-root calls to AWS KMS: they need an EC2 instance with Nitro Enclaves (make eif there)."
if [ $failed -ne 0 ]; then
  echo "docker-check: FAILED" >&2
  exit 1
fi
echo "docker-check: ok"
