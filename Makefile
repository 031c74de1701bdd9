# nitro-kms — the two commands a newcomer needs are `make demo` and `make test`; `make help` lists
# every target with one line each (the `## ` comment after the target's name).
#
# The tests and the demo use the AWS CLI, boto3 and cryptography from a virtualenv under
# target/test-venv (made by `make test-venv`, never installed system-wide).

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

.PHONY: help install all build test fmt-check clippy unit demo cluster-demo sim example bench deny fuzz fuzz-seeds test-venv eif docker-check clean

VENV := target/test-venv
PYTHON ?= python3
SIM_DIR ?= $(HOME)/.nitro-kms-sim

all: build ## the default: same as make build

build: ## release build of every binary (nitro-kms-enclave, nitro-kms-proxy, nitro-kms)
	$(CARGO) build --workspace --release --locked

fmt-check: ## rustfmt --check over the workspace
	$(CARGO) fmt --all --check

clippy: ## clippy -D warnings over the workspace
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The end-to-end tests in tests/ run the real binaries, so build them first. The last line is the
# total over every test binary, so the summary is not the last (possibly empty) doc-test run's.
$(VENV)/.ready:
	mkdir -p target
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check awscli boto3 cryptography asn1crypto
	touch $@

test-venv: $(VENV)/.ready ## the virtualenv with awscli, boto3, cryptography (target/test-venv)

unit: $(VENV)/.ready ## every unit and end-to-end test (no fmt or clippy)
	$(CARGO) build --workspace --locked
	mkdir -p target
	$(CARGO) test --workspace --locked 2>&1 | tee target/test-output.log
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "tests: %d passed, %d failed\n", p, f }' target/test-output.log

test: fmt-check clippy unit ## everything CI runs: rustfmt check, clippy -D warnings, all tests

demo: $(VENV)/.ready ## the simulated chain, end to end, on this machine
	$(CARGO) build --workspace --locked
	./scripts/demo.sh target/debug

# Needs etcd and etcdctl on PATH (Debian: etcd-server, etcd-client); exits 2 saying so without.
cluster-demo: $(VENV)/.ready ## a fleet of three simulated enclaves on a three-member etcd cluster: leader, followers, failover
	$(CARGO) build --workspace --locked
	./scripts/cluster_demo.sh target/debug

# examples/aws-sdk-rust is its own cargo workspace (the AWS SDK's crates stay out of the main
# build and Cargo.lock), built into the same target/ so the crates both use are compiled once.
# Its cold build takes minutes, so `make test` leaves it out and CI runs `make example` after it.
SDK_EXAMPLE := examples/aws-sdk-rust/Cargo.toml
SDK_CARGO := CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO)

example: ## both example applications against the simulation: envelope-file, and aws-sdk-rust over TLS (with its fmt, clippy, tests)
	$(CARGO) build --workspace --locked
	$(SDK_CARGO) build --locked --manifest-path $(SDK_EXAMPLE)
	$(CARGO) fmt --manifest-path $(SDK_EXAMPLE) --check
	$(SDK_CARGO) clippy --locked --manifest-path $(SDK_EXAMPLE) --all-targets -- -D warnings
	$(SDK_CARGO) test --locked --manifest-path $(SDK_EXAMPLE)
	./scripts/example.sh target/debug target/debug/aws-sdk-rust-example
	NITRO_KMS_RUN_SDK_EXAMPLE=1 $(CARGO) test --locked -p nitro-kms-tests --test example_aws_sdk_rust

# Not part of `make test`: minutes of load on every core. Knobs (BENCH_DURATION, BENCH_CONCURRENCY,
# BENCH_SKIP_CRITERION, ...) are described at the top of scripts/bench.sh.
bench: ## the load generator against the simulated chain and moto_server; writes BENCHMARKS.md
	$(CARGO) build --workspace --release --locked
	./scripts/bench.sh target/release

# cargo-deny, installed once under target/tools from crates.io (pinned). CI runs it after make test.
DENY_VERSION := 0.20.2
DENY := target/tools/bin/cargo-deny
$(DENY):
	$(CARGO) install cargo-deny --locked --version $(DENY_VERSION) --root target/tools

deny: $(DENY) ## cargo-deny: licenses, bans, sources, advisories (fails without the RustSec DB unless NITRO_KMS_SKIP_ADVISORIES=1)
	./scripts/deny.sh $(DENY)

# cargo-fuzz, installed once under target/tools from crates.io (pinned). The toolchain is stable:
# scripts/fuzz.sh sets RUSTC_BOOTSTRAP=1 for the nightly-only flags cargo-fuzz passes; the build
# goes to fuzz/target (fuzz/ is its own workspace). Knobs at the top of scripts/fuzz.sh.
FUZZ_VERSION := 0.13.2
CARGO_FUZZ := target/tools/bin/cargo-fuzz
FUZZ_SECONDS ?= 60
$(CARGO_FUZZ):
	$(CARGO) install cargo-fuzz --locked --version $(FUZZ_VERSION) --root target/tools

fuzz: $(CARGO_FUZZ) ## every cargo-fuzz target for FUZZ_SECONDS (default 60) each, from the seeds
	CARGO_FUZZ=$(CARGO_FUZZ) FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

fuzz-seeds: $(CARGO_FUZZ) ## rewrite the seed corpus fuzz/corpus/ (and the simulated root it needs)
	CARGO_FUZZ=$(CARGO_FUZZ) ./scripts/fuzz.sh --seeds

# The enclave image (Dockerfile) as an EIF, with its PCRs. Needs docker and nitro-cli (an EC2 instance
# with Nitro Enclaves); the configuration baked into it is ENCLAVE_CONFIG (deploy/enclave.toml).
eif: ## the enclave image file for a real Nitro enclave, with its PCRs (docker, nitro-cli)
	./scripts/eif.sh

# Not part of `make test`: a release build of the enclave plus the image and deployment checks.
docker-check: ## what can be checked of the image and deploy/ without Docker or Nitro
	CARGO=$(CARGO) ./scripts/docker_check.sh

sim: ## run the simulated chain (proxy + enclave) until Ctrl-C, on SIM_DIR (~/.nitro-kms-sim)
	$(CARGO) build --workspace --locked
	target/debug/nitro-kms-proxy --simulate --state-dir $(SIM_DIR)

# The three binaries into cargo's bin directory (~/.cargo/bin, on PATH after rustup), from this
# checkout; nitro-kms-proxy --simulate finds nitro-kms-enclave beside itself there.
install: ## cargo install the three binaries (nitro-kms, nitro-kms-proxy, nitro-kms-enclave) on PATH
	$(CARGO) install --locked --path cli
	$(CARGO) install --locked --path parent-proxy
	$(CARGO) install --locked --path enclave

# Every target with its `## ` line, in the order of this file.
help: ## list the targets with one line each
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

clean: ## remove build output
	$(CARGO) clean
