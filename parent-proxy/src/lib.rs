//! The nitro-kms parent proxy: the AWS KMS endpoint on the parent instance.
//!
//! - [`endpoint`]: KMS JSON 1.1 over HTTP (plus `/healthz` and `/metrics`); [`server`]: the
//!   accept loop with keep-alive and graceful shutdown;
//! - who is calling: [`endpoint`] verifies each request's SigV4 signature against the access keys
//!   of `--credentials` with [`nitro_kms_api::sigv4`] ([`nitro_kms_api::sigv4::verify()`],
//!   [`nitro_kms_api::sigv4::AccessKeyStore`]); [`enclave_credentials`]: the AWS credentials
//!   handed to the enclave for its own AWS KMS calls (the seal root); [`sealed_credentials`]:
//!   `--sealed-credentials`, the caller credentials sealed to the enclave, carried unread;
//! - [`router`]: which enclave answers a request (mutations to the leader, reads round-robin over
//!   caught-up enclaves), each through its own link ([`nitro_kms_parent_link`]: the pool of frame
//!   connections to an enclave, its `Persist` frames served from the sealed-state store, and how
//!   far each read replica has caught up — shared with `nitro-kms bench --enclave`);
//! - [`simulation`]: `--simulate`, the enclave as a supervised child process;
//! - [`egress`]: `--egress`, the HTTP CONNECT relays through which the enclave reaches AWS KMS;
//! - [`metrics`]: counters and histograms in Prometheus text (the links count into them through
//!   [`nitro_kms_parent_link::LinkMetrics`]).

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod egress;
pub mod enclave_credentials;
pub mod endpoint;
pub mod metrics;
pub mod router;
pub mod sealed_credentials;
pub mod server;
pub mod simulation;

pub use nitro_kms_wire::shutdown::stopped;
