# The nitro-kms enclave image: `make eif` (scripts/eif.sh) builds it with `docker build` and turns it
# into an enclave image file (EIF) with `nitro-cli build-enclave`. docs/deploy-nitro.md walks
# through it; `make docker-check` (scripts/docker_check.sh) checks what can be checked without Docker.
#
# Everything in the final stage is measured into PCR0 (and PCR2): the binary AND the configuration
# file. Change either and the image has a new PCR0, which the seal-root key policy must name before
# the new image can unseal its keys (docs/deploy-nitro.md, "Upgrades").
#
# Base images are pinned by tag here. For a release build pin them by digest as well, so that the
# same source always gives the same PCR0 (a tag such as 1.95-slim-bookworm is re-published with
# Debian updates; a digest names one exact set of bytes):
#   docker pull rust:1.95-slim-bookworm && docker inspect --format '{{index .RepoDigests 0}}' rust:1.95-slim-bookworm
#   then write  FROM rust:1.95-slim-bookworm@sha256:<digest> AS builder  (and the same for distroless),
# and change the digests on purpose, as a reviewed commit, never as a side effect of a rebuild.

# --- builder: the official Rust image, Debian 12 (bookworm), so the binary needs no newer glibc
# than the final stage has (2.36). Its gcc builds aws-lc and mimalloc (C); no cmake is needed.
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /build
# The whole workspace: cargo loads every member's manifest (and declared targets) even for `-p`.
COPY Cargo.toml Cargo.lock ./
COPY common common
COPY enclave enclave
COPY parent-proxy parent-proxy
COPY cli cli
COPY tests tests
COPY examples examples
RUN cargo build --release --locked -p nitro-kms-enclave

# --- final: glibc + libgcc_s and nothing else: no shell, no package manager, so there is nothing in
# the enclave that the binary does not need. It runs as root on purpose: an enclave is a VM with
# this one process in it (the enclave's init starts the ENTRYPOINT as root and ignores USER); the
# isolation boundary is the Nitro hypervisor, not Unix users, and there is no other local user to
# protect against. The `nonroot` variant would add nothing and the `debug` variant adds a shell:
# never use it here.
FROM gcr.io/distroless/cc-debian12
# The configuration is baked into the image ON PURPOSE, and the parent cannot pass another: the
# seal-root key ARN and the KMS endpoint decide who can release the enclave's sealing key, so they
# must be measured into PCR0. A hostile parent that could choose them would point the enclave at a
# KMS key it controls and learn the sealing key (and with it every key in the sealed keystore).
# scripts/eif.sh passes ENCLAVE_CONFIG (default deploy/enclave.toml; the example is
# deploy/enclave.toml.example).
ARG ENCLAVE_CONFIG=deploy/enclave.toml
COPY --from=builder /build/target/release/nitro-kms-enclave /usr/local/bin/nitro-kms-enclave
COPY ${ENCLAVE_CONFIG} /etc/nitro-kms/enclave.toml
# With storage = "etcd": the etcd CA and the enclave's client certificate, measured like the
# configuration (deploy/etcd/README.md).
COPY deploy/etcd/ /etc/nitro-kms/etcd/
ENTRYPOINT ["/usr/local/bin/nitro-kms-enclave", "--config", "/etc/nitro-kms/enclave.toml"]
