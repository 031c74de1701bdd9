//! Minting X.509 certificates for the simulated NSM (and for tests of the verifier).
//!
//! A real Nitro document carries a chain `root -> intermediates -> leaf`, all P-384 keys signed
//! with `ecdsa-with-SHA384`. The simulated NSM makes the same shape so that one verifier serves
//! both. Everything a verifier checks is a field of [`CertSpec`] — CA flag, path length, key
//! usage, validity — so tests can also mint deliberately *wrong* certificates (a leaf with
//! `CA:TRUE`, an intermediate that breaks its path length, an expired root) and prove that each
//! one is refused.
//!
//! The TBSCertificate is encoded here with `der` directly rather than through `x509-cert`'s
//! profile-driven builder: that builder enforces the profile's opinions, and tests need to be able
//! to break them on purpose. Signing goes through [`nitro_kms_crypto`].

use std::time::{Duration, UNIX_EPOCH};

use const_oid::ObjectIdentifier;
use der::{
    Decode, Encode, Sequence,
    asn1::{BitString, OctetString, UintRef},
};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::{
    ext::{Extension, pkix::BasicConstraints},
    name::Name,
    time::{Time, Validity},
};

use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, SignatureEncoding};

/// `ecdsa-with-SHA384` (RFC 5758), the only certificate signature algorithm Nitro uses.
pub const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ID_CE_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const ID_CE_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// Key-usage bits (RFC 5280 §4.2.1.3), as a bit mask with bit 0 = digitalSignature.
pub mod key_usage {
    /// digitalSignature: the key signs documents (a Nitro leaf).
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// keyCertSign: the key signs certificates (a CA).
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign: the key signs CRLs (Nitro CAs set it too).
    pub const CRL_SIGN: u16 = 1 << 6;
}

/// Everything about a certificate that the verifier looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSpec {
    /// Subject distinguished name in RFC 4514 form, e.g. `CN=sim-root,O=nitro-kms`.
    pub subject: String,
    /// Serial number (positive).
    pub serial: u64,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: u64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: u64,
    /// BasicConstraints: `None` leaves the extension out; `Some((ca, path_len))` includes it.
    pub basic_constraints: Option<(bool, Option<u8>)>,
    /// KeyUsage bit mask (see [`key_usage`]); `None` leaves the extension out.
    pub key_usage: Option<u16>,
}

impl CertSpec {
    /// A root CA as Nitro's: `CA:TRUE`, no path length limit, keyCertSign + cRLSign.
    pub fn root(subject: &str, not_before: u64, not_after: u64) -> Self {
        Self {
            subject: subject.to_owned(),
            serial: 1,
            not_before,
            not_after,
            basic_constraints: Some((true, None)),
            key_usage: Some(key_usage::KEY_CERT_SIGN | key_usage::CRL_SIGN),
        }
    }

    /// An intermediate CA with the given path length constraint.
    pub fn intermediate(subject: &str, not_before: u64, not_after: u64, path_len: u8) -> Self {
        Self {
            basic_constraints: Some((true, Some(path_len))),
            serial: 2,
            ..Self::root(subject, not_before, not_after)
        }
    }

    /// A document-signing leaf: `CA:FALSE`, digitalSignature.
    pub fn leaf(subject: &str, not_before: u64, not_after: u64) -> Self {
        Self {
            subject: subject.to_owned(),
            serial: 3,
            not_before,
            not_after,
            basic_constraints: Some((false, None)),
            key_usage: Some(key_usage::DIGITAL_SIGNATURE),
        }
    }
}

/// Why a certificate could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum CertBuildError {
    /// The subject or issuer name is not valid RFC 4514.
    #[error("invalid distinguished name: {0}")]
    Name(String),
    /// A DER encoding step failed.
    #[error("DER encoding failed: {0}")]
    Der(#[from] der::Error),
    /// The signing key failed.
    #[error("signing failed: {0}")]
    Crypto(#[from] crypto::CryptoError),
}

#[derive(Sequence)]
struct TbsCertificateOut {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial_number: OctetLikeUint,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct CertificateOut {
    tbs_certificate: TbsCertificateOut,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// A positive INTEGER serial number, encoded minimally.
type OctetLikeUint = der::asn1::Uint;

fn time_at(unix: u64) -> Result<Time, CertBuildError> {
    Ok(Time::try_from(UNIX_EPOCH + Duration::from_secs(unix))?)
}

fn parse_name(dn: &str) -> Result<Name, CertBuildError> {
    dn.parse::<Name>()
        .map_err(|e| CertBuildError::Name(format!("{dn}: {e}")))
}

fn extensions(spec: &CertSpec, subject_spki_der: &[u8]) -> Result<Vec<Extension>, CertBuildError> {
    let mut exts = Vec::new();
    if let Some((ca, path_len)) = spec.basic_constraints {
        let bc = BasicConstraints {
            ca,
            path_len_constraint: path_len,
        };
        exts.push(Extension {
            extn_id: ID_CE_BASIC_CONSTRAINTS,
            critical: true,
            extn_value: OctetString::new(bc.to_der()?)?,
        });
    }
    if let Some(bits) = spec.key_usage {
        exts.push(Extension {
            extn_id: ID_CE_KEY_USAGE,
            critical: true,
            extn_value: OctetString::new(key_usage_der(bits)?)?,
        });
    }
    // SubjectKeyIdentifier: SHA-256 of the SPKI, truncated to 20 bytes (RFC 7093 method 1 style).
    let ski = crypto::sha256(subject_spki_der);
    let ski = OctetString::new(ski.get(..20).unwrap_or(&ski[..]))?;
    exts.push(Extension {
        extn_id: ID_CE_SUBJECT_KEY_IDENTIFIER,
        critical: false,
        extn_value: OctetString::new(ski.to_der()?)?,
    });
    Ok(exts)
}

/// DER of a KeyUsage BIT STRING with bit 0 as the most significant bit of the first octet.
fn key_usage_der(bits: u16) -> Result<Vec<u8>, CertBuildError> {
    // Reverse into ASN.1 named-bit order: named bit n is bit (7 - n % 8) of octet n / 8.
    let mut octets = [0u8; 2];
    let mut highest = 0usize;
    for n in 0..16usize {
        if bits & (1 << n) != 0 {
            if let Some(o) = octets.get_mut(n / 8) {
                *o |= 0x80 >> (n % 8);
            }
            highest = n;
        }
    }
    let len = highest / 8 + 1;
    let used = octets.get(..len).unwrap_or(&octets[..]);
    // DER: trailing zero bits of a named bit list are removed.
    let unused = (7 - (highest % 8)) as u8;
    Ok(BitString::new(unused, used)?.to_der()?)
}

/// Mints a certificate for `subject_spki_der`, signed by `issuer_key`.
///
/// `issuer` is the issuer's subject DN; for a self-signed root pass the root's own subject and key.
pub fn issue(
    spec: &CertSpec,
    subject_spki_der: &[u8],
    issuer: &str,
    issuer_key: &EcdsaP384KeyPair,
) -> Result<Vec<u8>, CertBuildError> {
    let alg = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA384,
        parameters: None,
    };
    let serial = spec.serial.max(1).to_be_bytes();
    let tbs = TbsCertificateOut {
        version: 2,
        serial_number: der::asn1::Uint::new(UintRef::new(&serial)?.as_bytes())?,
        signature: alg.clone(),
        issuer: parse_name(issuer)?,
        validity: Validity::new(time_at(spec.not_before)?, time_at(spec.not_after)?),
        subject: parse_name(&spec.subject)?,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(subject_spki_der)?,
        extensions: Some(extensions(spec, subject_spki_der)?),
    };
    let tbs_der = tbs.to_der()?;
    let sig = issuer_key.sign(&tbs_der, SignatureEncoding::Asn1)?;
    let cert = CertificateOut {
        tbs_certificate: tbs,
        signature_algorithm: alg,
        signature: BitString::from_bytes(&sig)?,
    };
    Ok(cert.to_der()?)
}

/// Mints a self-signed certificate (a root) for `key`.
pub fn self_signed(spec: &CertSpec, key: &EcdsaP384KeyPair) -> Result<Vec<u8>, CertBuildError> {
    issue(spec, &key.public_key_spki_der()?, &spec.subject, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::Certificate;

    #[test]
    fn minted_chain_parses_and_signatures_verify() {
        let root_key = EcdsaP384KeyPair::generate().unwrap();
        let leaf_key = EcdsaP384KeyPair::generate().unwrap();
        let root_spec = CertSpec::root("CN=test-root,O=nitro-kms", 1_000_000_000, 2_000_000_000);
        let root = self_signed(&root_spec, &root_key).unwrap();
        let leaf = issue(
            &CertSpec::leaf("CN=test-leaf", 1_000_000_000, 1_900_000_000),
            &leaf_key.public_key_spki_der().unwrap(),
            &root_spec.subject,
            &root_key,
        )
        .unwrap();
        let root_cert = Certificate::from_der(&root).unwrap();
        let leaf_cert = Certificate::from_der(&leaf).unwrap();
        assert_eq!(
            root_cert.tbs_certificate().issuer(),
            leaf_cert.tbs_certificate().issuer()
        );
        let tbs = leaf_cert.tbs_certificate().to_der().unwrap();
        crypto::verify_p384_sha384(
            root_key.public_point(),
            &tbs,
            leaf_cert.signature().raw_bytes(),
            SignatureEncoding::Asn1,
        )
        .unwrap();
    }

    #[test]
    fn minted_certificates_are_accepted_by_openssl() {
        let key = EcdsaP384KeyPair::generate().unwrap();
        let spec = CertSpec::intermediate(
            "CN=sim-intermediate,O=nitro-kms",
            1_700_000_000,
            1_900_000_000,
            2,
        );
        let der = issue(
            &spec,
            &key.public_key_spki_der().unwrap(),
            &spec.subject,
            &key,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.der");
        std::fs::write(&path, &der).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&path)
            .output()
            .expect("openssl must be installed for this test");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("CA:TRUE, pathlen:2"), "{text}");
        assert!(text.contains("Certificate Sign, CRL Sign"), "{text}");
        assert!(text.contains("ecdsa-with-SHA384"), "{text}");
        assert!(text.contains("NIST CURVE: P-384"), "{text}");
    }

    #[test]
    fn key_usage_bits_encode_in_asn1_named_bit_order() {
        // digitalSignature only: 03 02 07 80
        assert_eq!(
            key_usage_der(key_usage::DIGITAL_SIGNATURE).unwrap(),
            [3, 2, 7, 0x80]
        );
        // keyCertSign | cRLSign: bits 5 and 6 -> 0x06, one unused bit: 03 02 01 06
        assert_eq!(
            key_usage_der(key_usage::KEY_CERT_SIGN | key_usage::CRL_SIGN).unwrap(),
            [3, 2, 1, 0x06]
        );
    }
}
