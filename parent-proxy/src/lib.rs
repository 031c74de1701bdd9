//! The nitro-kms parent proxy: the AWS KMS endpoint on the parent instance.
//!
//! - [`endpoint`]: KMS JSON 1.1 over HTTP (plus `/healthz` and `/metrics`); [`server`]: the
//!   accept loop with keep-alive and graceful shutdown;
//! - who is calling: [`endpoint`] verifies each request's SigV4 signature against the access keys
//!   of `--credentials` with [`nitro_kms_api::sigv4`] ([`nitro_kms_api::sigv4::verify()`],
//!   [`nitro_kms_api::sigv4::AccessKeyStore`]); [`enclave_credentials`]: the AWS credentials
//!   handed to the enclave for its own AWS KMS calls (the seal root);
//! - [`enclave_link`]: the pool of frame connections to an enclave, which also serves the
//!   enclave's `Persist` frames with [`state_store`];
//! - [`router`]: which enclave answers a request (mutations to the leader, reads round-robin over
//!   caught-up enclaves); [`replication`]: how far each read replica has caught up;
//! - [`simulation`]: `--simulate`, the enclave as a supervised child process;
//! - [`egress`]: `--egress`, the HTTP CONNECT relays through which the enclave reaches AWS KMS;
//! - [`metrics`]: counters and histograms in Prometheus text.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod egress;
pub mod enclave_credentials;
pub mod enclave_link;
pub mod endpoint;
#[cfg(test)]
mod fake_enclave;
pub mod metrics;
pub mod replication;
pub mod router;
pub mod server;
pub mod simulation;
pub mod state_store;

pub use nitro_kms_wire::shutdown::stopped;
