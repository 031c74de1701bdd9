# nitro-kms — the two commands a newcomer needs are `make demo` and `make test`.
#
#   make build   release build of every binary (nitro-kms-enclave, nitro-kms-proxy, nitro-kms)
#   make test    everything CI runs: rustfmt check, clippy -D warnings, all tests
#   make demo    the simulated chain, end to end, on this machine
#   make clean   remove build output

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all build test fmt-check clippy unit demo clean

all: build

build:
	$(CARGO) build --workspace --release --locked

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The end-to-end tests in tests/ run the real binaries, so build them first.
unit:
	$(CARGO) build --workspace --locked
	$(CARGO) test --workspace --locked

test: fmt-check clippy unit

demo:
	$(CARGO) build --workspace --locked
	./scripts/demo.sh target/debug

clean:
	$(CARGO) clean
