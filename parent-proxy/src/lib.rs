//! The nitro-kms parent proxy: the AWS KMS endpoint on the parent instance.
//!
//! - [`endpoint`]: KMS JSON 1.1 over HTTP (plus `/healthz` and `/metrics`); [`server`]: the
//!   accept loop with keep-alive and graceful shutdown;
//! - [`sigv4`] and [`credentials`]: who is calling;
//! - [`enclave_link`]: the pool of frame connections to the enclave, which also serves the
//!   enclave's `Persist` frames with [`state_store`];
//! - [`simulation`]: `--simulate`, the enclave as a supervised child process;
//! - [`metrics`]: counters and histograms in Prometheus text.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod credentials;
pub mod enclave_link;
pub mod endpoint;
pub mod metrics;
pub mod server;
pub mod sigv4;
pub mod simulation;
pub mod state_store;

pub use nitro_kms_common::shutdown::stopped;
