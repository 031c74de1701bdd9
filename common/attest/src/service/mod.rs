//! The service's attested identity: the X.509 extension that carries an attestation document in
//! the enclave's TLS server certificate, and the client's checks of it.
//!
//! The enclave's CA (P-384, self-signed) signs its TLS leaf; the leaf carries, in a NON-critical
//! extension with OID [`ATTESTATION_EXTENSION_OID`], the raw bytes of a Nitro attestation document
//! (`COSE_Sign1`, as the NSM returns it) whose `public_key` is the DER SubjectPublicKeyInfo of that
//! CA and whose `user_data` is the SHA-256 of the provisioning key's SPKI. A client pins the
//! attestation root and the PCRs it expects ([`ServiceTrust`]) and checks the chain with
//! [`verify_service_chain`]; the well-known endpoint's document is checked with
//! [`verify_service_document`]. [`extension`] finds the extension in a certificate and writes it
//! (the enclave's issuer uses it).

mod certificate;
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

/// OID of the attestation extension (dotted form): `2.25.` followed by a UUID as a 128-bit
/// integer (ITU-T X.667), so it needs no registration. Its last arc does not fit in 64 bits, so
/// libraries whose OIDs hold `u32`/`u64` arcs cannot spell it; compare encodings with
/// [`ATTESTATION_EXTENSION_OID_DER`].
pub const ATTESTATION_EXTENSION_OID: &str = "2.25.173094623430793324269502837453476775801";

/// The content octets of [`ATTESTATION_EXTENSION_OID`]'s DER encoding (after the `06 14` tag and
/// length): `2.25` as `0x69`, then the UUID's integer in base 128.
pub const ATTESTATION_EXTENSION_OID_DER: [u8; 20] = [
    0x69, 0x82, 0x84, 0xb8, 0xe7, 0xf5, 0xa8, 0x98, 0xfa, 0x9d, 0xb7, 0xba, 0xe9, 0xdd, 0x84, 0xfc,
    0x8e, 0xcb, 0x8e, 0x79,
];

pub use error::ServiceVerifyError;
pub use pem::{certificate_from_pem, certificate_pem};
pub use trust::ServiceTrust;
pub use verify::{
    ServiceFacts, ServiceVerifier, verify_ca_certificate, verify_issued_by_attested_ca,
    verify_service_chain, verify_service_document,
};
