//! Reading the service's TLS certificates: the few fields the service checks need, parsed from
//! the DER as received.
//!
//! `x509-cert` cannot decode a certificate that carries the attestation extension: its OIDs hold
//! 32-bit arcs and the extension's last arc is a 128-bit integer. So the certificate is walked
//! here with `der` directly, extension identifiers kept as their encoded bytes (compared with
//! [`super::ATTESTATION_EXTENSION_OID_DER`]), and only the well-known pieces (validity, the
//! SubjectAltName) are decoded with `x509-cert`'s types.

use std::net::IpAddr;

use der::asn1::{BitString, OctetStringRef};
use der::{AnyRef, Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::time::Validity;

use super::error::ServiceVerifyError;
use crate::attestation::cert_builder::ECDSA_WITH_SHA384;

/// DER content octets of id-ce-subjectAltName (2.5.29.17).
const SUBJECT_ALT_NAME_OID_DER: [u8; 3] = [0x55, 0x1d, 0x11];

/// One extension, its identifier kept encoded.
#[derive(Debug, Clone)]
pub(crate) struct RawExtension {
    /// The OID's content octets.
    pub(crate) oid: Vec<u8>,
    /// Whether it is marked critical.
    pub(crate) critical: bool,
    /// The extnValue's content octets.
    pub(crate) value: Vec<u8>,
}

/// What the checks need from one certificate.
#[derive(Debug, Clone)]
pub(crate) struct ServiceCertificate {
    /// The TBSCertificate exactly as received (what the issuer signed).
    pub(crate) tbs: Vec<u8>,
    /// Whether both signature algorithm fields say ecdsa-with-SHA384.
    pub(crate) ecdsa_sha384: bool,
    /// The signature (DER Ecdsa-Sig-Value).
    pub(crate) signature: Vec<u8>,
    /// Validity window, Unix seconds.
    pub(crate) not_before: u64,
    pub(crate) not_after: u64,
    /// The DER SubjectPublicKeyInfo.
    pub(crate) spki: Vec<u8>,
    /// Every extension, in order.
    pub(crate) extensions: Vec<RawExtension>,
}

impl ServiceCertificate {
    /// Parses a DER certificate; `what` names it in the error ("the server certificate").
    pub(crate) fn parse(der: &[u8], what: &'static str) -> Result<Self, ServiceVerifyError> {
        parse(der).map_err(|e| ServiceVerifyError::CertificateParse {
            what,
            reason: e.to_string(),
        })
    }

    /// The extensions whose OID is `oid` (content octets).
    pub(crate) fn extensions_with<'a>(
        &'a self,
        oid: &'a [u8],
    ) -> impl Iterator<Item = &'a RawExtension> + 'a {
        self.extensions.iter().filter(move |e| e.oid == oid)
    }

    /// The DNS names and IP addresses in the SubjectAltName, as text (empty without one).
    pub(crate) fn subject_alt_names(&self) -> Result<Vec<SubjectName>, ServiceVerifyError> {
        let mut names = Vec::new();
        for ext in self.extensions_with(&SUBJECT_ALT_NAME_OID_DER) {
            let san = SubjectAltName::from_der(&ext.value).map_err(|e| {
                ServiceVerifyError::CertificateParse {
                    what: "the server certificate's SubjectAltName",
                    reason: e.to_string(),
                }
            })?;
            for name in san.0 {
                match name {
                    GeneralName::DnsName(dns) => names.push(SubjectName::Dns(dns.to_string())),
                    GeneralName::IpAddress(ip) => {
                        let bytes = ip.as_bytes();
                        let ip = match bytes.len() {
                            4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
                            16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
                            _ => None,
                        };
                        if let Some(ip) = ip {
                            names.push(SubjectName::Ip(ip));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(names)
    }
}

/// A name a certificate is issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SubjectName {
    /// A DNS name (compared without case, exactly: no wildcards).
    Dns(String),
    /// An IP address.
    Ip(IpAddr),
}

impl SubjectName {
    /// Whether this name is `server_name` (a host name or an IP address in text form).
    pub(crate) fn names(&self, server_name: &str) -> bool {
        let server_name = server_name.trim_end_matches('.');
        match (self, server_name.parse::<IpAddr>()) {
            (Self::Ip(ip), Ok(wanted)) => *ip == wanted,
            (Self::Dns(dns), Err(_)) => dns.trim_end_matches('.').eq_ignore_ascii_case(server_name),
            _ => false,
        }
    }
}

impl std::fmt::Display for SubjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dns(dns) => f.write_str(dns),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }`.
fn parse(der: &[u8]) -> Result<ServiceCertificate, der::Error> {
    let mut reader = SliceReader::new(der)?;
    let (tbs, outer_alg, signature) = reader.sequence(|r| {
        let tbs = r.tlv_bytes()?.to_vec();
        let alg = AlgorithmIdentifierOwned::decode(r)?;
        let signature = BitString::decode(r)?;
        Ok::<_, der::Error>((tbs, alg, signature))
    })?;
    reader.finish()?;
    let signature = signature
        .as_bytes()
        .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?
        .to_vec();
    let mut cert = parse_tbs(&tbs)?;
    cert.ecdsa_sha384 &= outer_alg.oid == ECDSA_WITH_SHA384 && outer_alg.parameters.is_none();
    cert.signature = signature;
    Ok(cert)
}

/// `TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, issuer, validity,
/// subject, subjectPublicKeyInfo, [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions }`.
fn parse_tbs(tbs: &[u8]) -> Result<ServiceCertificate, der::Error> {
    let mut reader = SliceReader::new(tbs)?;
    let cert = reader.sequence(|r| {
        if Tag::peek(r)? == context_tag(0) {
            AnyRef::decode(r)?;
        }
        AnyRef::decode(r)?; // serialNumber
        let inner_alg = AlgorithmIdentifierOwned::decode(r)?;
        r.tlv_bytes()?; // issuer
        let validity = Validity::<x509_cert::certificate::Rfc5280>::decode(r)?;
        r.tlv_bytes()?; // subject
        let spki = r.tlv_bytes()?.to_vec();
        SubjectPublicKeyInfoOwned::from_der(&spki)?;
        let mut extensions = Vec::new();
        while !r.is_finished() {
            let field = AnyRef::decode(r)?;
            if field.tag() == context_tag(3) {
                extensions = parse_extensions(field.value())?;
            }
        }
        Ok::<_, der::Error>(ServiceCertificate {
            tbs: tbs.to_vec(),
            ecdsa_sha384: inner_alg.oid == ECDSA_WITH_SHA384 && inner_alg.parameters.is_none(),
            signature: Vec::new(),
            not_before: validity.not_before.to_unix_duration().as_secs(),
            not_after: validity.not_after.to_unix_duration().as_secs(),
            spki,
            extensions,
        })
    })?;
    reader.finish()?;
    Ok(cert)
}

/// `Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
/// extnValue OCTET STRING }`.
fn parse_extensions(explicit: &[u8]) -> Result<Vec<RawExtension>, der::Error> {
    let mut reader = SliceReader::new(explicit)?;
    let extensions = reader.sequence(|r| {
        let mut out = Vec::new();
        while !r.is_finished() {
            out.push(r.sequence(|e| {
                let oid = AnyRef::decode(e)?;
                oid.tag().assert_eq(Tag::ObjectIdentifier)?;
                let critical = if Tag::peek(e)? == Tag::Boolean {
                    bool::decode(e)?
                } else {
                    false
                };
                let value = <&OctetStringRef>::decode(e)?;
                Ok::<_, der::Error>(RawExtension {
                    oid: oid.value().to_vec(),
                    critical,
                    value: value.as_bytes().to_vec(),
                })
            })?);
        }
        Ok::<_, der::Error>(out)
    })?;
    reader.finish()?;
    Ok(extensions)
}

fn context_tag(number: u32) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(number),
    }
}
