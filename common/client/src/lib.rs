//! # nitro-kms-client: `KmsClient`, an async AWS KMS client that signs with SigV4 and reuses its connections.
//!
//! It speaks the KMS JSON 1.1 protocol over HTTP/1.1 to any endpoint — `nitro-kms-proxy`, or
//! anything else that speaks KMS — through [`nitro_kms_wire::transport`], so the connection may be TCP, a
//! Unix socket or vsock (an enclave reaching a relay on its parent). Connections are kept and
//! reused: a hundred sequential calls use one connection.
//!
//! With [`KmsClient::attested`] GenerateDataKey, GenerateDataKeyPair, Decrypt and GenerateRandom
//! carry a `Recipient` and are unwrapped locally (see [`Attestation`]). The parent relays those
//! answers and may rewrite them, so an attested answer is accepted only if it has a
//! `CiphertextForRecipient`, has no plaintext member, and its envelope opens to what the request
//! asked for (the `KeySpec`'s or `NumberOfBytes`' length, a private key of the `KeyPairSpec`);
//! anything else is [`ClientError::UntrustedAnswer`] and nothing of the answer is returned. Every
//! failure to open the envelope — whatever failed: structure, recipient, RSA, padding, length — is
//! one error with one message ([`OPEN_FAILED`]) after the same work: the envelope's content is
//! AES-CBC without a MAC, and an application that behaved differently per cause would hand the
//! parent a padding oracle. An application should keep it that way: treat every
//! `UntrustedAnswer` alike, and not retry differently by message.
//!
//! `https://` endpoints use rustls (aws-lc-rs) with the Mozilla roots, or the PEM roots given in
//! [`ClientConfig::tls_roots_pem`]; [`ClientConfig::connect_to`] sends the connection through a
//! relay (an enclave reaching `kms.REGION.amazonaws.com:443` through a vsock port on its parent)
//! while TLS still verifies the real host name — so against real AWS KMS the configuration is
//! `https://kms.REGION.amazonaws.com` with real credentials, and against `nitro-kms-proxy` it is
//! `http://127.0.0.1:9600` with the proxy's. [`ClientConfig::egress_relay`] does the same through
//! an HTTP CONNECT relay (the proxy's `--egress`, see [`nitro_kms_wire::http_connect`]): each connection
//! asks the relay for the URL's `host:port` first, and TLS runs inside the tunnel, end to end.
//!
//! With a [`ServiceTrust`] ([`ClientConfig::service_trust`], [`KmsClient::with_service_trust`])
//! an `https://` endpoint is trusted only as an attested nitro-kms enclave: each new connection
//! checks, in the TLS handshake, the attestation document in the server's certificate (pinned
//! root, expected PCRs, the attested CA signed the certificate, validity, host name) with
//! [`nitro_kms_attest::service::verify_service_chain`], and sends nothing to a server that fails
//! (`server_trust`). Without it nothing changes: the web PKI, as against real AWS KMS.
//!
//! Credentials come from [`ClientConfig::credentials`] or a [`CredentialsProvider`] (such as
//! [`DefaultChain`]: environment, then shared file), renewed before they expire.

//!
//! ```no_run
//! # async fn demo() -> Result<(), nitro_kms_client::ClientError> {
//! use nitro_kms_client::{ClientConfig, Credentials, KmsClient};
//! use nitro_kms_api::ops::GenerateDataKeyRequest;
//! let client = KmsClient::new(ClientConfig::new(
//!     "http://127.0.0.1:9600",
//!     "us-east-1",
//!     Credentials::from_env()?,
//! ))?;
//! let key = client
//!     .generate_data_key(&GenerateDataKeyRequest {
//!         key_id: Some("alias/app".into()),
//!         key_spec: Some("AES_256".into()),
//!         ..Default::default()
//!     })
//!     .await?;
//! # let _ = key; Ok(()) }
//! ```

//! # Layout
//!
//! This file only declares the modules and re-exports what they offer:
//! `kms_client` ([`KmsClient`], the client and its [`ClientConfig`]), `error` ([`ClientError`]),
//! `credential_providers` ([`Credentials`], [`CredentialsProvider`], [`DefaultChain`]),
//! `attested` ([`Attestation`], opening envelopes without an oracle), `attested_answer` (what an
//! attested answer must hold), `server_trust` (the web PKI or the attested service identity) and
//! `service_identity` (the well-known identity endpoints, for `nitro-kms service verify`),
//! `tls_failure` (how a failed TLS connection is reported: the refused identity's check, or what
//! a man in the middle caused — bytes that are not TLS, a handshake signature that does not
//! verify, a record that does not authenticate) and `connection_pool` (kept connections over
//! [`nitro_kms_wire::transport`]). Requests are signed with
//! [`nitro_kms_api::sigv4::sign_request`].
//!
//! # Where this crate sits
//!
//! The shared crates under `common/` depend on each other in one direction only:
//!
//! ```text
//! nitro-kms-crypto       <- nitro-kms-wire, nitro-kms-api, nitro-kms-attest, nitro-kms-client
//! nitro-kms-wire         <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-api          <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-attest       <- nitro-kms-client                (and the enclave, the CLI)
//! nitro-kms-client       <- the enclave (seal root), the CLI, the example
//! nitro-kms-parent-link  <- the proxy, the CLI (`bench --enclave`), the end-to-end tests
//! ```
//!
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod attested;
mod attested_answer;
mod connection_pool;
mod credential_providers;
mod error;
mod handshake_signatures;
mod kms_client;
mod server_trust;
mod service_identity;
mod tls_failure;

pub use attested::{Attestation, OPEN_FAILED, open_envelope};
pub use credential_providers::{Credentials, CredentialsProvider, DefaultChain};
pub use error::ClientError;
pub use kms_client::{ClientConfig, KmsClient, REFRESH_BEFORE_EXPIRY};
pub use nitro_kms_attest::service::ServiceTrust;
pub use service_identity::{WellKnownAnswers, fetch_well_known};
