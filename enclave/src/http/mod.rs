//! The enclave's own KMS endpoint: KMS JSON 1.1 over HTTP/1.1 keep-alive, with SigV4 verified
//! here, in the enclave, so the principal the key policies judge is one the parent cannot name.
//!
//! This endpoint (`--http-listen`) is the only way a KMS request reaches the service: the parent
//! relays client connections to it as opaque byte streams (issue 16), and its control link
//! ([`crate::server`]) carries no KMS requests (a `Request` frame naming a caller is refused
//! there). From the connection in:
//!
//! - [`listener`]: the accept loop (connection cap, graceful shutdown), and per connection the
//!   [`sniff`] of the first byte: `0x16` is a TLS ClientHello, handed to the [`listener::TlsTerminator`]
//!   when one is configured (closed otherwise); anything else is cleartext HTTP, served only when
//!   the configuration allows it (`--allow-cleartext`, on by default only with `--simulate`);
//! - [`tls_terminator`]: that terminator, with the service's attested TLS identity
//!   ([`crate::tls::ServiceTls`]), which appears in the [`identity_slot`] once the sealed state
//!   is loaded (a ClientHello that arrives earlier is closed);
//! - [`endpoint`]: the routes — `POST /` (`X-Amz-Target: TrentService.<Op>`), `GET /healthz`,
//!   `GET /metrics`, the [`well_known`] ones — and the dispatch of an authenticated request to
//!   the service ([`answer`], within the request's deadline), with the principal verified here;
//!   [`response`] builds the answers;
//! - [`sts`]: STS `GetCallerIdentity` on the same endpoint (query protocol, signed for `sts`),
//!   so SDKs and test suites can learn who their credentials are;
//! - [`authenticate`]: SigV4 in two steps, headers first (the access key must be known before a
//!   byte of the body is read), then the body, read into one buffer bounded by `--max-body`
//!   within a deadline;
//! - [`access_keys`]: where the access keys come from (the simulation's built-in key, plus a
//!   plaintext `--credentials` file only with `--simulate`, plus the sealed credentials the
//!   enclave keeps in its sealed keystore) and the set in force, swapped whole on rotation;
//! - [`limits`]: the deadlines and caps; [`metrics`]: `/metrics`, in the proxy's names.

pub mod access_keys;
pub mod answer;
pub mod authenticate;
pub mod endpoint;
pub mod identity_slot;
pub mod limits;
pub mod listener;
pub mod metrics;
pub mod response;
pub mod sniff;
pub mod sts;
pub mod tls_terminator;
pub mod well_known;

pub use endpoint::HttpEndpoint;
pub use identity_slot::IdentitySlot;
pub use limits::HttpLimits;
pub use listener::{Protocols, TlsTerminator, serve};
pub use tls_terminator::ServiceTlsTerminator;
