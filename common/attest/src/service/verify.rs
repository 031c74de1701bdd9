//! The checks: [`verify_service_chain`] (a TLS server certificate, in the handshake; and
//! [`ServiceVerifier`], the same with a cache of verified documents for a client's connections),
//! [`verify_service_document`] (the well-known endpoint's document, with its nonce), and the two
//! links between a verified document and certificates ([`verify_ca_certificate`],
//! [`verify_issued_by_attested_ca`]).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use const_oid::ObjectIdentifier;
use spki::SubjectPublicKeyInfoOwned;

use super::certificate::ServiceCertificate;
use super::error::ServiceVerifyError;
use super::trust::ServiceTrust;
use crate::attestation::{
    AttestationError, DEFAULT_MAX_CLOCK_SKEW, VerifiedDocument, Verifier, VerifyOptions,
    verify as verify_document,
};
use nitro_kms_crypto::{self as crypto, SignatureEncoding};

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// What a verified service proved about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFacts {
    /// The enclave's module id.
    pub module_id: String,
    /// Every PCR in the document (index -> 48 bytes).
    pub pcrs: BTreeMap<u16, Vec<u8>>,
    /// The attested CA key: the document's `public_key`, a DER SubjectPublicKeyInfo.
    pub ca_spki: Vec<u8>,
    /// SHA-256 of [`ca_spki`](Self::ca_spki).
    pub ca_spki_sha256: [u8; crypto::SHA256_LEN],
    /// The document's `user_data` (SHA-256 of the provisioning key's SPKI).
    pub user_data: Option<Vec<u8>>,
    /// When the NSM made the document, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Whether the root is a simulated NSM's (so nothing is proved about hardware).
    pub simulated: bool,
    /// The CA key's uncompressed P-384 point (what signatures are checked with).
    ca_point: Vec<u8>,
}

impl ServiceFacts {
    /// PCR `index` as lower-case hex, if the document has it.
    pub fn pcr_hex(&self, index: u16) -> Option<String> {
        self.pcrs.get(&index).map(hex::encode)
    }
}

/// Checks a service's TLS server certificate (`leaf_der`, DER) for a connection to
/// `server_name` (a host name or an IP address) at `now`, against `trust`. In order:
///
/// 1. the certificate parses and carries exactly one attestation extension
///    ([`super::ATTESTATION_EXTENSION_OID`]), a CMW holding a document, not critical;
/// 2. it is within its validity at `now`, and its SubjectAltName names `server_name`;
/// 3. the extension's document verifies against `trust.root` (chain, signature), no older than
///    `trust.max_age`;
/// 4. every PCR of `trust.expected_pcrs` is in the document with that value;
/// 5. the document's `public_key` is a P-384 SPKI, and the certificate's signature verifies
///    under it: the key the enclave attested is the key that issued this certificate.
///
/// The rest of the presented chain is not consulted: the document names the CA key itself, so a
/// CA certificate adds nothing a client could rely on. The first failure is the error.
pub fn verify_service_chain(
    leaf_der: &[u8],
    server_name: &str,
    now: SystemTime,
    trust: &ServiceTrust,
) -> Result<ServiceFacts, ServiceVerifyError> {
    check_chain(leaf_der, server_name, now, trust, |document| {
        verify_document(document, &options(now, trust))
    })
}

/// [`verify_service_chain`] for a client's hot path: the same checks in the same order, with the
/// document checked by an [`attestation::Verifier`](crate::attestation::Verifier) pinned to the
/// trust's root, so a document seen before (every connection to one enclave process presents
/// the same certificate) skips its signature checks — never its age, its certificates' dates,
/// the PCRs, the CA's signature on the leaf, the leaf's dates or its names.
#[derive(Debug)]
pub struct ServiceVerifier {
    trust: ServiceTrust,
    documents: Verifier,
}

impl ServiceVerifier {
    /// A verifier for `trust`.
    pub fn new(trust: ServiceTrust) -> Self {
        let documents = Verifier::new(trust.root.clone())
            .with_max_age(trust.max_age)
            .with_max_clock_skew(DEFAULT_MAX_CLOCK_SKEW)
            .with_document_cache(64);
        Self { trust, documents }
    }

    /// The trust it checks against.
    pub fn trust(&self) -> &ServiceTrust {
        &self.trust
    }

    /// Checks `leaf_der` for `server_name` at `now`, as [`verify_service_chain`] does.
    pub fn verify_chain(
        &self,
        leaf_der: &[u8],
        server_name: &str,
        now: SystemTime,
    ) -> Result<ServiceFacts, ServiceVerifyError> {
        check_chain(leaf_der, server_name, now, &self.trust, |document| {
            self.documents.verify_at(document, now)
        })
    }
}

/// The checks of [`verify_service_chain`], the document's own verification given as `verify`.
fn check_chain(
    leaf_der: &[u8],
    server_name: &str,
    now: SystemTime,
    trust: &ServiceTrust,
    verify: impl FnOnce(&[u8]) -> Result<VerifiedDocument, AttestationError>,
) -> Result<ServiceFacts, ServiceVerifyError> {
    let leaf = ServiceCertificate::parse(leaf_der, "the server certificate")?;
    let extension = leaf.attestation_extension()?;
    if extension.critical {
        return Err(ServiceVerifyError::ExtensionCritical);
    }
    let secs = unix_secs(now);
    if secs < leaf.not_before() {
        return Err(ServiceVerifyError::CertificateNotYetValid {
            not_before: leaf.not_before(),
        });
    }
    if secs > leaf.not_after() {
        return Err(ServiceVerifyError::CertificateExpired {
            not_after: leaf.not_after(),
        });
    }
    let names = leaf.subject_alt_names()?;
    if !names.iter().any(|n| n.names(server_name)) {
        return Err(ServiceVerifyError::NameMismatch {
            server_name: server_name.to_owned(),
            names: names
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let facts = facts_of(verify(&extension.document)?, trust)?;
    check_signature(&leaf, &facts)?;
    Ok(facts)
}

/// Checks a document from `GET /.well-known/nitro-kms/attestation?nonce=HEX`: it verifies against
/// `trust.root`, is no older than `trust.max_age`, carries the expected PCRs, binds a P-384 CA key
/// as `public_key`, and echoes `nonce` exactly.
pub fn verify_service_document(
    document: &[u8],
    nonce: &[u8],
    now: SystemTime,
    trust: &ServiceTrust,
) -> Result<ServiceFacts, ServiceVerifyError> {
    let verified = verify_document(document, &options(now, trust))?;
    if verified.nonce.as_deref() != Some(nonce) {
        return Err(ServiceVerifyError::NonceMismatch {
            actual: verified
                .nonce
                .as_deref()
                .map_or_else(|| "none".to_owned(), hex::encode),
            expected: hex::encode(nonce),
        });
    }
    facts_of(verified, trust)
}

/// Checks that the CA certificate `ca_der` (from `/.well-known/nitro-kms/ca.pem`) holds the key
/// the document attested.
pub fn verify_ca_certificate(
    ca_der: &[u8],
    facts: &ServiceFacts,
) -> Result<(), ServiceVerifyError> {
    let ca = ServiceCertificate::parse(ca_der, "the CA certificate")?;
    if !crypto::constant_time_eq(ca.spki(), &facts.ca_spki) {
        return Err(ServiceVerifyError::CaKeyMismatch {
            actual: hex::encode(crypto::sha256(ca.spki())),
            expected: hex::encode(facts.ca_spki_sha256),
        });
    }
    Ok(())
}

/// Checks that the certificate `cert_der` (the one a server presented) was signed by the key the
/// document attested.
pub fn verify_issued_by_attested_ca(
    cert_der: &[u8],
    facts: &ServiceFacts,
) -> Result<(), ServiceVerifyError> {
    let cert = ServiceCertificate::parse(cert_der, "the server certificate")?;
    check_signature(&cert, facts)
}

fn check_signature(
    cert: &ServiceCertificate,
    facts: &ServiceFacts,
) -> Result<(), ServiceVerifyError> {
    if !cert.is_ecdsa_sha384() {
        return Err(ServiceVerifyError::UnsupportedSignatureAlgorithm);
    }
    crypto::verify_p384_sha384(
        &facts.ca_point,
        cert.tbs(),
        cert.signature(),
        SignatureEncoding::Asn1,
    )
    .map_err(|_| ServiceVerifyError::NotSignedByAttestedCa {
        ca_sha256: hex::encode(facts.ca_spki_sha256),
    })
}

fn options(now: SystemTime, trust: &ServiceTrust) -> VerifyOptions {
    VerifyOptions {
        root: trust.root.clone(),
        at: now,
        max_age: trust.max_age,
        max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
    }
}

/// The PCR and CA-key checks on a verified document, and its facts.
fn facts_of(
    verified: VerifiedDocument,
    trust: &ServiceTrust,
) -> Result<ServiceFacts, ServiceVerifyError> {
    for (&index, expected) in &trust.expected_pcrs {
        match verified.pcr(u16::from(index)) {
            None => {
                return Err(ServiceVerifyError::PcrMissing {
                    index,
                    expected: hex::encode(expected),
                });
            }
            Some(actual) if actual != expected.as_slice() => {
                return Err(ServiceVerifyError::PcrMismatch {
                    index,
                    actual: hex::encode(actual),
                    expected: hex::encode(expected),
                });
            }
            Some(_) => {}
        }
    }
    let ca_spki = verified.public_key.ok_or(ServiceVerifyError::NoPublicKey)?;
    let ca_point = p384_point(&ca_spki).ok_or(ServiceVerifyError::BadCaKey)?;
    Ok(ServiceFacts {
        module_id: verified.module_id,
        pcrs: verified.pcrs,
        ca_spki_sha256: crypto::sha256(&ca_spki),
        ca_spki,
        user_data: verified.user_data,
        timestamp_ms: verified.timestamp_ms,
        simulated: verified.simulated,
        ca_point,
    })
}

/// The uncompressed point of a P-384 SubjectPublicKeyInfo.
fn p384_point(spki_der: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der).ok()?;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY || curve != Some(SECP384R1) {
        return None;
    }
    let point = spki.subject_public_key.as_bytes()?;
    (point.len() == crypto::P384_POINT_LEN).then(|| point.to_vec())
}

fn unix_secs(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}
