//! Issuing the TLS leaf: a fresh P-384 key, an attestation document from the NSM binding the CA
//! and the provisioning key, and a certificate signed by the CA that carries the document.
//!
//! The document has `public_key` = the CA's DER SubjectPublicKeyInfo, `user_data` = SHA-256 of
//! the provisioning key's, and no nonce. The leaf is valid from [`BACKDATE_SECS`] before now
//! until the document's signing certificate expires, or `max_lifetime` from now if sooner: a
//! client that checks the document's chain at the leaf's last second still finds it valid.

use std::sync::Arc;
use std::time::Duration;

use nitro_kms_attest::attestation::parse_unverified;
use nitro_kms_attest::nsm::{Nsm, NsmExt};
use nitro_kms_crypto::EcdsaP384KeyPair;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

use super::certificate::{self, BACKDATE_SECS, LeafSpec, ServiceName};
use super::error::TlsError;
use super::identity::ServiceKeys;

/// One issued leaf and what the renewal needs to know about it.
#[derive(Debug, Clone)]
pub struct IssuedLeaf {
    /// The chain `[leaf, CA]` with the leaf's key, for rustls.
    pub certified_key: Arc<CertifiedKey>,
    /// When it was issued, ms since the epoch.
    pub issued_ms: u64,
    /// The end of its validity, ms since the epoch.
    pub not_after_ms: u64,
}

impl IssuedLeaf {
    /// The leaf certificate, DER.
    pub fn leaf_der(&self) -> &[u8] {
        self.certified_key
            .cert
            .first()
            .map(|c| c.as_ref())
            .unwrap_or_default()
    }
}

/// Asks `nsm` for a document binding `keys` and issues a leaf for `names` at `now_ms`, valid for
/// at most `max_lifetime`.
pub fn issue(
    keys: &ServiceKeys,
    nsm: &dyn Nsm,
    names: &[ServiceName],
    max_lifetime: Duration,
    now_ms: u64,
) -> Result<IssuedLeaf, TlsError> {
    let document = nsm.attest(Some(keys.ca_spki()), Some(keys.provisioning_digest()), None)?;
    // Our own NSM's answer: parsed for the signing certificate's expiry, not verified.
    let payload = parse_unverified(&document)?;
    let now = now_ms / 1000;
    let not_after = certificate::not_after(&payload.certificate)?
        .min(now.saturating_add(max_lifetime.as_secs()));
    if not_after <= now {
        return Err(TlsError::DocumentCertificateExpired);
    }
    let leaf_key = EcdsaP384KeyPair::generate()?;
    let spec = LeafSpec {
        names,
        not_before: now.saturating_sub(BACKDATE_SECS),
        not_after,
        attestation_document: &document,
    };
    let leaf = certificate::leaf_certificate(
        &spec,
        &leaf_key.public_key_spki_der()?,
        keys.ca_key(),
        keys.ca_spki(),
    )?;
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.pkcs8_der().expose()));
    let signing_key = rustls::crypto::aws_lc_rs::sign::any_ecdsa_type(&private)?;
    let chain = vec![
        CertificateDer::from(leaf),
        CertificateDer::from(keys.ca_certificate().to_vec()),
    ];
    Ok(IssuedLeaf {
        certified_key: Arc::new(CertifiedKey::new(chain, signing_key)),
        issued_ms: now_ms,
        not_after_ms: not_after.saturating_mul(1000),
    })
}
