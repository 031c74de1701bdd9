# nitro-kms — the two commands a newcomer needs are `make demo` and `make test`.
#
#   make build   release build of every binary (nitro-kms-enclave, nitro-kms-proxy, nitro-kms)
#   make test    everything CI runs: rustfmt check, clippy -D warnings, all tests
#   make demo    the simulated chain, end to end, on this machine
#   make sim     run the simulated chain (proxy + enclave) until Ctrl-C
#   make example the example enclave application (examples/envelope-file) against the simulation
#   make bench   the load generator against the simulated chain and moto_server; writes BENCHMARKS.md
#   make deny    cargo-deny: licenses, bans, sources (and advisories when the RustSec DB is reachable)
#   make fuzz    every cargo-fuzz target in fuzz/ for FUZZ_SECONDS (default 60) each, from the committed
#                seeds; prints runs, coverage and crashes per target (not part of make test)
#   make fuzz-seeds  rewrite the seed corpus fuzz/corpus/ (and the simulated root it needs)
#   make eif     the enclave image file for a real Nitro enclave (Dockerfile + nitro-cli, on an EC2
#                host with Nitro Enclaves); prints PCR0/1/2. ENCLAVE_CONFIG, IMAGE, EIF,
#                EIF_SIGNING_CERT/EIF_SIGNING_KEY: see scripts/eif.sh and docs/deploy-nitro.md
#   make docker-check  what can be checked of the image and deploy/ without Docker or Nitro:
#                release build, glibc/libraries vs distroless, Dockerfile, example configs, systemd units
#   make clean   remove build output
#
# The tests and the demo use the AWS CLI, boto3 and cryptography from a virtualenv under
# target/test-venv (made by `make test-venv`, never installed system-wide).

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

.PHONY: all build test fmt-check clippy unit demo sim example bench deny fuzz fuzz-seeds test-venv eif docker-check clean

VENV := target/test-venv
PYTHON ?= python3
SIM_DIR ?= $(HOME)/.nitro-kms-sim

all: build

build:
	$(CARGO) build --workspace --release --locked

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The end-to-end tests in tests/ run the real binaries, so build them first. The last line is the
# total over every test binary, so the summary is not the last (possibly empty) doc-test run's.
$(VENV)/.ready:
	mkdir -p target
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check awscli boto3 cryptography asn1crypto
	touch $@

test-venv: $(VENV)/.ready

unit: $(VENV)/.ready
	$(CARGO) build --workspace --locked
	mkdir -p target
	$(CARGO) test --workspace --locked 2>&1 | tee target/test-output.log
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "tests: %d passed, %d failed\n", p, f }' target/test-output.log

test: fmt-check clippy unit

demo: $(VENV)/.ready
	$(CARGO) build --workspace --locked
	./scripts/demo.sh target/debug

example:
	$(CARGO) build --workspace --locked
	./scripts/example.sh target/debug

# Not part of `make test`: minutes of load on every core. Knobs (BENCH_DURATION, BENCH_CONCURRENCY,
# BENCH_SKIP_CRITERION, ...) are described at the top of scripts/bench.sh.
bench:
	$(CARGO) build --workspace --release --locked
	./scripts/bench.sh target/release

# cargo-deny, installed once under target/tools from crates.io (pinned). CI runs it after make test.
DENY_VERSION := 0.20.2
DENY := target/tools/bin/cargo-deny
$(DENY):
	$(CARGO) install cargo-deny --locked --version $(DENY_VERSION) --root target/tools

deny: $(DENY)
	./scripts/deny.sh $(DENY)

# cargo-fuzz, installed once under target/tools from crates.io (pinned). The toolchain is stable:
# scripts/fuzz.sh sets RUSTC_BOOTSTRAP=1 for the nightly-only flags cargo-fuzz passes; the build
# goes to fuzz/target (fuzz/ is its own workspace). Knobs at the top of scripts/fuzz.sh.
FUZZ_VERSION := 0.13.2
CARGO_FUZZ := target/tools/bin/cargo-fuzz
FUZZ_SECONDS ?= 60
$(CARGO_FUZZ):
	$(CARGO) install cargo-fuzz --locked --version $(FUZZ_VERSION) --root target/tools

fuzz: $(CARGO_FUZZ)
	CARGO_FUZZ=$(CARGO_FUZZ) FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

fuzz-seeds: $(CARGO_FUZZ)
	CARGO_FUZZ=$(CARGO_FUZZ) ./scripts/fuzz.sh --seeds

# The enclave image (Dockerfile) as an EIF, with its PCRs. Needs docker and nitro-cli (an EC2 instance
# with Nitro Enclaves); the configuration baked into it is ENCLAVE_CONFIG (deploy/enclave.toml).
eif:
	./scripts/eif.sh

# Not part of `make test`: a release build of the enclave plus the image and deployment checks.
docker-check:
	CARGO=$(CARGO) ./scripts/docker_check.sh

sim:
	$(CARGO) build --workspace --locked
	target/debug/nitro-kms-proxy --simulate --state-dir $(SIM_DIR)

clean:
	$(CARGO) clean
