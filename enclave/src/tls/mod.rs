//! The service's attested TLS identity (issue 16): what lets a client check, in the TLS handshake,
//! that it talks to an enclave running the expected image.
//!
//! The pieces, from the stored keys up (`docs/service-identity.md` has the format):
//!
//! - [`identity`]: the TLS CA key (P-384) and the provisioning key (RSA-3072), made at the first
//!   start of a leader and kept in the sealed keystore ([`crate::keystore::ServiceIdentity`]),
//!   parsed into [`ServiceKeys`];
//! - [`certificate`]: the X.509 encoding of the self-signed CA certificate and of the leaf that
//!   carries the attestation document;
//! - [`leaf`]: issuing a leaf — a fresh P-384 key, a document from the NSM binding the CA, a
//!   validity no longer than the document's signing certificate;
//! - [`server_config`]: the rustls `ServerConfig` and the resolver that serves the current
//!   `[leaf, CA]` chain;
//! - [`renewal`]: when a leaf is renewed ([`ServiceTls::run_renewal`] is the task that does it);
//! - [`well_known`]: the `/.well-known/nitro-kms/` answers (a fresh document, the CA, the
//!   provisioning key), as plain functions for the HTTP server;
//! - [`service_tls`]: [`ServiceTls`], all of the above for one enclave process;
//! - `error`: [`TlsError`].
//!
//! This module only declares its parts and re-exports the types callers need.

pub mod certificate;
mod error;
pub mod identity;
pub mod leaf;
pub mod renewal;
pub mod server_config;
pub mod service_tls;
pub mod well_known;

pub use certificate::ServiceName;
pub use error::TlsError;
pub use identity::ServiceKeys;
pub use renewal::RenewalPolicy;
pub use service_tls::{ServiceTls, TlsSettings};
pub use well_known::WellKnownError;
