//! The X.509 encoding of the service's certificates: the self-signed CA (made once, stored) and
//! the leaf it signs (made per process and on renewal), with the attestation extension.
//!
//! Encoded with `der` and x509-cert's types, signed through nitro-kms-crypto; the attestation
//! extension is `nitro_kms_attest::service::extension`'s, the one encoding the verifier reads.
//!
//! - CA: subject [`CA_SUBJECT`], `CA:TRUE, pathlen:0` (critical), keyCertSign + cRLSign
//!   (critical), a subject key identifier; valid from its creation (less [`BACKDATE_SECS`]) to
//!   9999-12-31 (RFC 5280's "no well-defined expiration").
//! - Leaf: subject [`LEAF_SUBJECT`], `CA:FALSE` (critical), digitalSignature (critical),
//!   serverAuth, the subject alternative names, authority and subject key identifiers, and the
//!   attestation extension (`id-pe-cmw`, non-critical): a CMW holding the document as the NSM
//!   returned it.

use std::net::IpAddr;
use std::time::{Duration, UNIX_EPOCH};

use const_oid::AssociatedOid;
use der::asn1::{BitString, Ia5String, OctetString, Uint};
use der::{Decode, Encode, Sequence};
use nitro_kms_attest::service::extension::attestation_extension;
use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, SignatureEncoding};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::time::{Time, Validity};

use super::error::TlsError;

/// The CA certificate's subject (and the leaf's issuer).
pub const CA_SUBJECT: &str = "CN=nitro-kms service CA,O=nitro-kms";
/// The leaf certificate's subject (the names a client checks are in its SANs).
pub const LEAF_SUBJECT: &str = "CN=nitro-kms service,O=nitro-kms";
/// Certificates start this long before they are made, for clients whose clock is behind.
pub const BACKDATE_SECS: u64 = 300;

/// `ecdsa-with-SHA384` (RFC 5758).
const ECDSA_WITH_SHA384: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// A name the leaf certificate is valid for: a DNS name or an IP address (its SANs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceName {
    /// A DNS name, e.g. `localhost` or `kms.internal.example`.
    Dns(String),
    /// An IP address, e.g. `127.0.0.1` or `::1`.
    Ip(IpAddr),
}

impl ServiceName {
    /// Parses `name`: an IP address if it is one, otherwise a DNS name (ASCII letters, digits,
    /// `-`, `.` and a leading `*.`).
    pub fn parse(name: &str) -> Result<Self, TlsError> {
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        let host = name.strip_prefix("*.").unwrap_or(name);
        let valid = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        match valid {
            true => Ok(Self::Dns(name.to_ascii_lowercase())),
            false => Err(TlsError::Name(name.to_owned())),
        }
    }

    fn general_name(&self) -> Result<GeneralName, TlsError> {
        Ok(match self {
            Self::Dns(dns) => GeneralName::DnsName(Ia5String::new(dns)?),
            Self::Ip(ip) => GeneralName::from(*ip),
        })
    }
}

/// What a leaf certificate says besides its key and issuer.
#[derive(Debug, Clone)]
pub struct LeafSpec<'a> {
    /// The names it is valid for.
    pub names: &'a [ServiceName],
    /// Start of validity, seconds since the epoch.
    pub not_before: u64,
    /// End of validity, seconds since the epoch.
    pub not_after: u64,
    /// The attestation document to embed (raw COSE_Sign1).
    pub attestation_document: &'a [u8],
}

#[derive(Sequence)]
struct TbsCertificateOut {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial_number: Uint,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

#[derive(Sequence)]
struct CertificateOut {
    tbs_certificate: TbsCertificateOut,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// The self-signed CA certificate of `ca_key`, valid from `created` (seconds since the epoch,
/// less [`BACKDATE_SECS`]) with no expiry. Made once with the key and stored beside it.
pub fn ca_certificate(ca_key: &EcdsaP384KeyPair, created: u64) -> Result<Vec<u8>, TlsError> {
    let spki = ca_key.public_key_spki_der()?;
    let extensions = vec![
        extension(
            BasicConstraints::OID,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            },
        )?,
        extension(
            KeyUsage::OID,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        )?,
        extension(
            SubjectKeyIdentifier::OID,
            false,
            &SubjectKeyIdentifier(key_identifier(&spki)?),
        )?,
    ];
    let validity = Validity::new(
        time_at(created.saturating_sub(BACKDATE_SECS))?,
        Time::INFINITY,
    );
    sign(CA_SUBJECT, validity, &spki, extensions, ca_key)
}

/// The leaf certificate of the key whose DER SubjectPublicKeyInfo is `leaf_spki`, signed by
/// `ca_key` (whose SubjectPublicKeyInfo is `ca_spki`), as `spec` says.
pub fn leaf_certificate(
    spec: &LeafSpec<'_>,
    leaf_spki: &[u8],
    ca_key: &EcdsaP384KeyPair,
    ca_spki: &[u8],
) -> Result<Vec<u8>, TlsError> {
    let names = spec
        .names
        .iter()
        .map(ServiceName::general_name)
        .collect::<Result<Vec<_>, _>>()?;
    let extensions = vec![
        extension(
            BasicConstraints::OID,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?,
        extension(
            KeyUsage::OID,
            true,
            &KeyUsage(KeyUsages::DigitalSignature.into()),
        )?,
        extension(
            ExtendedKeyUsage::OID,
            false,
            &ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_SERVER_AUTH]),
        )?,
        extension(SubjectAltName::OID, false, &SubjectAltName(names))?,
        extension(
            AuthorityKeyIdentifier::OID,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(key_identifier(ca_spki)?),
                ..Default::default()
            },
        )?,
        extension(
            SubjectKeyIdentifier::OID,
            false,
            &SubjectKeyIdentifier(key_identifier(leaf_spki)?),
        )?,
        attestation_extension(spec.attestation_document)?,
    ];
    let validity = Validity::new(time_at(spec.not_before)?, time_at(spec.not_after)?);
    sign(LEAF_SUBJECT, validity, leaf_spki, extensions, ca_key)
}

/// The end of validity of the DER certificate `der`, in seconds since the epoch (of the
/// attestation document's signing certificate: a leaf must not outlive it).
pub fn not_after(der: &[u8]) -> Result<u64, TlsError> {
    let cert = x509_cert::Certificate::from_der(der)?;
    Ok(cert
        .tbs_certificate()
        .validity()
        .not_after
        .to_unix_duration()
        .as_secs())
}

/// The DER SubjectPublicKeyInfo of the DER certificate `der`.
pub fn subject_public_key_info(der: &[u8]) -> Result<Vec<u8>, TlsError> {
    let cert = x509_cert::Certificate::from_der(der)?;
    Ok(cert.tbs_certificate().subject_public_key_info().to_der()?)
}

/// `der` as a PEM `CERTIFICATE` block (64-character lines), as OpenSSL and the AWS CLI read it.
pub fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn extension(
    oid: const_oid::ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, TlsError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// A key identifier: the first 20 bytes of the SHA-256 of the DER SubjectPublicKeyInfo.
fn key_identifier(spki: &[u8]) -> Result<OctetString, TlsError> {
    let digest = crypto::sha256(spki);
    Ok(OctetString::new(digest.get(..20).unwrap_or(&digest[..]))?)
}

fn time_at(unix: u64) -> Result<Time, TlsError> {
    Ok(Time::try_from(UNIX_EPOCH + Duration::from_secs(unix))?)
}

fn name(dn: &str) -> Result<Name, TlsError> {
    dn.parse::<Name>()
        .map_err(|_| TlsError::StoredIdentity("a fixed certificate subject does not parse"))
}

/// Encodes and signs a certificate issued by [`CA_SUBJECT`]'s key with a fresh random serial.
fn sign(
    subject: &str,
    validity: Validity,
    spki: &[u8],
    extensions: Vec<Extension>,
    ca_key: &EcdsaP384KeyPair,
) -> Result<Vec<u8>, TlsError> {
    let algorithm = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA384,
        parameters: None,
    };
    // 16 random bytes, positive and with a non-zero first octet (RFC 5280: at most 20 octets).
    let mut serial = crypto::random_array::<16>()?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let tbs = TbsCertificateOut {
        version: 2,
        serial_number: Uint::new(&serial)?,
        signature: algorithm.clone(),
        issuer: name(CA_SUBJECT)?,
        validity,
        subject: name(subject)?,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(spki)?,
        extensions,
    };
    let signature = ca_key.sign(&tbs.to_der()?, SignatureEncoding::Asn1)?;
    let cert = CertificateOut {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(cert.to_der()?)
}

#[cfg(test)]
mod tests;
