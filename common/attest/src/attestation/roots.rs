//! Trust anchors: the root a document's chain must end at.
//!
//! By default that is the AWS Nitro Enclaves Root G1, embedded in the binary, so no configuration
//! can quietly weaken it. A simulated NSM's root is trusted only when the operator hands it over
//! explicitly ([`TrustAnchor::simulated_from_pem`]), and the anchor remembers that it is simulated
//! so services can say so loudly.

use der::{Decode, DecodePem};
use x509_cert::Certificate;

use super::error::AttestationError;
use nitro_kms_crypto as crypto;

/// The AWS Nitro Enclaves Root G1 certificate (public; from AWS's documentation).
const AWS_NITRO_ROOT_G1_PEM: &str = include_str!("aws_nitro_root_g1.pem");

/// SHA-256 of the DER of AWS Nitro Enclaves Root G1, as AWS publishes it.
pub const AWS_NITRO_ROOT_G1_SHA256: &str =
    "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";

/// A pinned root certificate. `cabundle[0]` of a document must be byte-equal to it.
#[derive(Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    der: Vec<u8>,
    simulated: bool,
}

impl std::fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchor")
            .field("sha256", &self.fingerprint_hex())
            .field("simulated", &self.simulated)
            .finish()
    }
}

impl TrustAnchor {
    /// The AWS Nitro Enclaves Root G1 (the default, and the only root real documents chain to).
    pub fn aws_nitro_root_g1() -> Self {
        // The embedded PEM is checked by a unit test; an unparsable one would be a build defect,
        // so fall back to an anchor that matches nothing rather than panicking.
        let der = Certificate::from_pem(AWS_NITRO_ROOT_G1_PEM.as_bytes())
            .ok()
            .and_then(|c| der::Encode::to_der(&c).ok())
            .unwrap_or_default();
        Self {
            der,
            simulated: false,
        }
    }

    /// A production root given as DER (e.g. for a test environment with its own CA).
    pub fn from_der(der: &[u8]) -> Result<Self, AttestationError> {
        Certificate::from_der(der).map_err(|e| {
            AttestationError::InvalidTrustAnchor(format!("not a DER certificate: {e}"))
        })?;
        Ok(Self {
            der: der.to_vec(),
            simulated: false,
        })
    }

    /// A production root given as PEM.
    pub fn from_pem(pem: &[u8]) -> Result<Self, AttestationError> {
        let cert = Certificate::from_pem(pem).map_err(|e| {
            AttestationError::InvalidTrustAnchor(format!("not a PEM certificate: {e}"))
        })?;
        let der = der::Encode::to_der(&cert)
            .map_err(|e| AttestationError::InvalidTrustAnchor(e.to_string()))?;
        Ok(Self {
            der,
            simulated: false,
        })
    }

    /// A simulated NSM's root (PEM, from `nitro-kms attestation simulated-root`). Only for
    /// simulation: documents it accepts prove nothing about real hardware.
    pub fn simulated_from_pem(pem: &[u8]) -> Result<Self, AttestationError> {
        Ok(Self {
            simulated: true,
            ..Self::from_pem(pem)?
        })
    }

    /// A simulated NSM's root given as DER.
    pub fn simulated_from_der(der: &[u8]) -> Result<Self, AttestationError> {
        Ok(Self {
            simulated: true,
            ..Self::from_der(der)?
        })
    }

    /// The root certificate's DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Whether this anchor is a simulated NSM's root (documents it accepts are not from hardware).
    pub fn is_simulated(&self) -> bool {
        self.simulated
    }

    /// SHA-256 of the root's DER, lower-case hex (how AWS publishes its fingerprint).
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(crypto::sha256(&self.der))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_aws_root_has_the_published_fingerprint() {
        let root = TrustAnchor::aws_nitro_root_g1();
        assert_eq!(root.fingerprint_hex(), AWS_NITRO_ROOT_G1_SHA256);
        assert!(!root.is_simulated());
    }

    #[test]
    fn simulated_anchor_says_it_is_simulated() {
        let root = TrustAnchor::aws_nitro_root_g1();
        let sim = TrustAnchor::simulated_from_der(root.der()).unwrap();
        assert!(sim.is_simulated());
        assert!(format!("{sim:?}").contains("simulated: true"));
    }

    #[test]
    fn garbage_anchor_is_rejected() {
        assert!(matches!(
            TrustAnchor::from_pem(b"not a pem"),
            Err(AttestationError::InvalidTrustAnchor(_))
        ));
        assert!(TrustAnchor::from_der(&[0x30, 0x00]).is_err());
    }
}
