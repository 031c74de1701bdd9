//! The service's attested identity: the X.509 extension that carries an attestation document in
//! the enclave's TLS server certificate, and the client's checks of it.
//!
//! The enclave's CA (P-384, self-signed) signs its TLS leaf; the leaf carries, in a NON-critical
//! extension with OID [`ATTESTATION_EXTENSION_OID`] (`id-pe-cmw`), a Conceptual Message Wrapper
//! holding a Nitro attestation document (`COSE_Sign1`, as the NSM returns it; the wrapping is
//! [`extension`]'s) whose `public_key` is the DER SubjectPublicKeyInfo of that
//! CA and whose `user_data` is the SHA-256 of the provisioning key's SPKI. A client pins the
//! attestation root and the PCRs it expects ([`ServiceTrust`]) and checks the chain with
//! [`verify_service_chain`]; the well-known endpoint's document is checked with
//! [`verify_service_document`]. [`extension`] writes the extension (the enclave's issuer uses it)
//! and reads its value; [`certificate`] reads a service certificate (the verifier's and the tests'
//! one reader, on x509-cert).

pub mod certificate;
mod error;
pub mod extension;
#[cfg(any(test, feature = "test-support"))]
pub mod fixture;
#[cfg(test)]
mod oid_tests;
mod pem;
#[cfg(test)]
mod tests;
mod trust;
mod verify;

/// OID of the attestation extension (dotted form): `id-pe-cmw`, the PKIX certificate extension
/// for a RATS Conceptual Message Wrapper (RFC 9999, "Transporting CMW in PKIX Formats"; IANA,
/// "SMI Security for PKIX Certificate Extension", decimal 35). Every arc fits in 31 bits, so
/// every X.509 library parses the certificate; [`extension`] says what its value holds.
pub const ATTESTATION_EXTENSION_OID: &str = "1.3.6.1.5.5.7.1.35";

/// [`ATTESTATION_EXTENSION_OID`] as arcs (rcgen's custom extensions take `u64` arcs).
pub const ATTESTATION_EXTENSION_ARCS: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 1, 35];

/// The content octets of [`ATTESTATION_EXTENSION_OID`]'s DER encoding (after the `06 08` tag and
/// length): `1.3` as `0x2b`, then `6 1 5 5 7 1 35`, one octet each.
pub const ATTESTATION_EXTENSION_OID_DER: [u8; 8] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x23];

pub use error::ServiceVerifyError;
pub use pem::{certificate_from_pem, certificate_pem};
pub use trust::ServiceTrust;
pub use verify::{
    ServiceFacts, ServiceVerifier, verify_ca_certificate, verify_issued_by_attested_ca,
    verify_service_chain, verify_service_document,
};
