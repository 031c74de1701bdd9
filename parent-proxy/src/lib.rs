//! The nitro-kms parent proxy: the parent instance's side of the service, a relay that cannot
//! read what it relays.
//!
//! The enclave serves the KMS API itself (TLS with its attested certificate, SigV4 verified
//! inside, `/healthz` and `/metrics` with its per-operation counts). The parent is outside the
//! trust boundary (SECURITY.md), so the proxy does only what needs a host with a network and a
//! disk:
//!
//! - [`relay`]: each client connection accepted on `--listen` becomes one byte stream to an
//!   enclave's HTTP endpoint ([`relay::targets`]: `--enclave-http`, or `vsock://CID:PORT+1`),
//!   copied both ways untouched; it parses no HTTP, holds no caller secret and names no caller.
//!   [`relay::route`] picks the enclave (for now always the leader);
//! - [`router`]: the enclaves' control links ([`nitro_kms_parent_link`]: per enclave a pool of
//!   frame connections serving its `Persist` frames from the sealed-state store, the seal-root
//!   credentials [`enclave_credentials`] hands it, the caller credentials sealed to the enclave
//!   that [`sealed_credentials`] carries unread (`--sealed-credentials`), and the read replicas'
//!   `Sync`s) and which of them is up and caught up;
//! - [`admin`]: `--admin-listen`, the proxy's own `/healthz` and `/metrics` ([`metrics`]:
//!   connections, bytes, control links, sealed-state position, egress);
//! - [`simulation`]: `--simulate`, the enclave as a supervised child process ([`exit_status`]:
//!   how its end is logged);
//! - [`egress`]: `--egress`, the HTTP CONNECT relays through which the enclave reaches AWS KMS;
//! - [`store_migrate`]: `nitro-kms-proxy store migrate`, the operator's move of a keystore's
//!   sealed state between a state directory and etcd.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod admin;
pub mod egress;
pub mod enclave_credentials;
pub mod exit_status;
pub mod metrics;
pub mod relay;
pub mod router;
pub mod sealed_credentials;
pub mod simulation;
pub mod store_migrate;

pub use nitro_kms_wire::shutdown::stopped;
