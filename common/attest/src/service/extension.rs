//! The attestation extension in an X.509 certificate: the raw form that holds its OID, finding it
//! in a certificate, and the signed part of a certificate (to check who signed it).
//!
//! x509-cert's `Extension` keeps its OID as a `const_oid::ObjectIdentifier`, whose arcs are 32
//! bits, and so cannot even decode a certificate that carries [`super::ATTESTATION_EXTENSION_OID`]
//! (a 128-bit arc). Here the OID stays the bytes it was encoded as ([`RawExtension`]), and a
//! certificate is read only as far as this needs: the TBSCertificate's fields as raw values, its
//! extensions, the signature.

use der::asn1::{Any, AnyRef, BitStringRef, OctetString};
use der::{Decode, Encode, Sequence, Tag, Tagged};

use super::ATTESTATION_EXTENSION_OID_DER;

/// One X.509 `Extension` (RFC 5280 §4.1) whose `extnID` is kept as an encoded OBJECT IDENTIFIER.
///
/// ```text
/// Extension ::= SEQUENCE {
///     extnID      OBJECT IDENTIFIER,
///     critical    BOOLEAN DEFAULT FALSE,
///     extnValue   OCTET STRING }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct RawExtension {
    /// The OID, as an `OBJECT IDENTIFIER` value whose content octets are not interpreted.
    pub extn_id: Any,
    /// Whether a verifier that does not know the extension must refuse the certificate (left out
    /// of the encoding when false, as DER requires of a DEFAULT).
    #[asn1(default = "Default::default")]
    pub critical: bool,
    /// The extension's value.
    pub extn_value: OctetString,
}

impl RawExtension {
    /// An extension with the OID whose DER content octets are `oid` and value `value`.
    pub fn new(oid: &[u8], critical: bool, value: Vec<u8>) -> Result<Self, der::Error> {
        Ok(Self {
            extn_id: Any::new(Tag::ObjectIdentifier, oid)?,
            critical,
            extn_value: OctetString::new(value)?,
        })
    }

    /// The content octets of the extension's OID.
    pub fn oid(&self) -> &[u8] {
        self.extn_id.value()
    }
}

/// What a certificate's attestation extension holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationExtension {
    /// Whether it is marked critical (the format says it is not).
    pub critical: bool,
    /// The Nitro attestation document: the raw COSE_Sign1 bytes.
    pub document: Vec<u8>,
}

/// Why a certificate could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExtensionError {
    /// The certificate is not DER X.509 as far as this reader goes.
    #[error("malformed certificate: {0}")]
    Der(#[from] der::Error),
    /// The attestation extension appears more than once (RFC 5280 forbids repeating one).
    #[error("the attestation extension appears more than once")]
    Duplicate,
    /// The extension's OID is not an OBJECT IDENTIFIER.
    #[error("an extension's id is not an OBJECT IDENTIFIER")]
    NotAnOid,
}

#[derive(Sequence)]
struct CertificateIn<'a> {
    tbs_certificate: AnyRef<'a>,
    signature_algorithm: AnyRef<'a>,
    signature: BitStringRef<'a>,
}

#[derive(Sequence)]
struct TbsCertificateIn<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<AnyRef<'a>>,
    serial_number: AnyRef<'a>,
    signature: AnyRef<'a>,
    issuer: AnyRef<'a>,
    validity: AnyRef<'a>,
    subject: AnyRef<'a>,
    subject_public_key_info: AnyRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    issuer_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    subject_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<RawExtension>>,
}

/// The parts of a certificate a signature check needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedParts {
    /// The DER TBSCertificate, exactly as it appears in the certificate (what was signed).
    pub tbs_certificate: Vec<u8>,
    /// The signature BIT STRING's bytes (for ECDSA, a DER `Ecdsa-Sig-Value`).
    pub signature: Vec<u8>,
}

/// The TBSCertificate and signature of the DER certificate `cert`, for checking its issuer's
/// signature (a client checks that the key in the attestation document signed the leaf).
pub fn signed_parts(cert: &[u8]) -> Result<SignedParts, ExtensionError> {
    let parsed = CertificateIn::from_der(cert)?;
    Ok(SignedParts {
        tbs_certificate: parsed.tbs_certificate.to_der()?,
        signature: parsed.signature.raw_bytes().to_vec(),
    })
}

/// The extensions of the DER certificate `cert`, in order.
pub fn extensions(cert: &[u8]) -> Result<Vec<RawExtension>, ExtensionError> {
    let parsed = CertificateIn::from_der(cert)?;
    let tbs_der = parsed.tbs_certificate.to_der()?;
    let tbs = TbsCertificateIn::from_der(&tbs_der)?;
    let extensions = tbs.extensions.unwrap_or_default();
    if extensions
        .iter()
        .any(|e| e.extn_id.tag() != Tag::ObjectIdentifier)
    {
        return Err(ExtensionError::NotAnOid);
    }
    Ok(extensions)
}

/// The attestation extension of the DER certificate `cert`: `None` when it has none, an error
/// when it has two or does not decode.
pub fn find(cert: &[u8]) -> Result<Option<AttestationExtension>, ExtensionError> {
    let mut found = None;
    for extension in extensions(cert)? {
        if extension.oid() != ATTESTATION_EXTENSION_OID_DER {
            continue;
        }
        if found.is_some() {
            return Err(ExtensionError::Duplicate);
        }
        found = Some(AttestationExtension {
            critical: extension.critical,
            document: extension.extn_value.into_bytes().into_vec(),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attestation::cert_builder::{CertSpec, self_signed};
    use nitro_kms_crypto::{EcdsaP384KeyPair, SignatureEncoding, verify_p384_sha384};

    #[test]
    fn a_certificate_without_the_extension_has_none_and_its_signature_checks() {
        let key = EcdsaP384KeyPair::generate().unwrap();
        let cert =
            self_signed(&CertSpec::root("CN=r", 1_700_000_000, 1_800_000_000), &key).unwrap();
        assert_eq!(find(&cert).unwrap(), None);
        // Basic constraints, key usage, subject key identifier.
        assert_eq!(extensions(&cert).unwrap().len(), 3);
        let parts = signed_parts(&cert).unwrap();
        verify_p384_sha384(
            key.public_point(),
            &parts.tbs_certificate,
            &parts.signature,
            SignatureEncoding::Asn1,
        )
        .unwrap();
    }

    #[test]
    fn a_raw_extension_round_trips_and_leaves_out_a_false_critical_flag() {
        let ext = RawExtension::new(&ATTESTATION_EXTENSION_OID_DER, false, vec![1, 2, 3]).unwrap();
        let der = ext.to_der().unwrap();
        // 30 len | 06 14 <oid> | 04 03 01 02 03: no BOOLEAN.
        assert_eq!(der.len(), 2 + 22 + 5);
        assert_eq!(RawExtension::from_der(&der).unwrap(), ext);
        let critical = RawExtension::new(&ATTESTATION_EXTENSION_OID_DER, true, vec![]).unwrap();
        assert!(
            RawExtension::from_der(&critical.to_der().unwrap())
                .unwrap()
                .critical
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(find(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(signed_parts(b"").is_err());
    }
}
