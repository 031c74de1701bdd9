//! Reading the service's TLS certificates — the one certificate reader of nitro-kms-attest, used
//! by the verifier and by the tests of the enclave's issuer: the fields the service checks need,
//! decoded with `x509-cert`, behind a size limit, every failure a typed error.
//!
//! The attestation extension's OID (`id-pe-cmw`) has small arcs, so `x509-cert` decodes a service
//! certificate whole; a certificate it cannot decode (such as one carrying the pre-`id-pe-cmw`
//! OID `2.25.173094623430793324269502837453476775801`, whose 128-bit arc no `const-oid` OID holds)
//! is refused as unparseable. The signed bytes (the TBSCertificate) are taken from the input as
//! received, not re-encoded.

use std::net::IpAddr;

use const_oid::AssociatedOid;
use der::{Decode, Header, Reader, SliceReader};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use super::error::ServiceVerifyError;
use super::extension::{ID_PE_CMW, document_from_value};
use crate::attestation::cert_builder::ECDSA_WITH_SHA384;

/// The largest certificate read (64 KiB: rustls refuses a larger handshake message, so no server
/// can present more).
pub const MAX_CERTIFICATE_LEN: usize = 64 * 1024;

/// The most extensions a certificate may carry (the service's leaf has 7).
pub const MAX_EXTENSIONS: usize = 32;

/// What a certificate's attestation extension holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationExtension {
    /// Whether it is marked critical (the format says it is not).
    pub critical: bool,
    /// The Nitro attestation document: the raw COSE_Sign1 bytes, unwrapped from the CMW.
    pub document: Vec<u8>,
}

/// What the checks need from one certificate.
#[derive(Debug, Clone)]
pub struct ServiceCertificate {
    /// The TBSCertificate exactly as received (what the issuer signed).
    tbs: Vec<u8>,
    /// Whether both signature algorithm fields say ecdsa-with-SHA384 (without parameters).
    ecdsa_sha384: bool,
    /// The signature (for ECDSA, a DER Ecdsa-Sig-Value).
    signature: Vec<u8>,
    /// Validity window, Unix seconds.
    not_before: u64,
    not_after: u64,
    /// The DER SubjectPublicKeyInfo.
    spki: Vec<u8>,
    /// Every extension, in order.
    extensions: Vec<Extension>,
}

impl ServiceCertificate {
    /// Parses a DER certificate; `what` names it in the error ("the server certificate").
    pub fn parse(der: &[u8], what: &'static str) -> Result<Self, ServiceVerifyError> {
        let bad = |reason: String| ServiceVerifyError::CertificateParse { what, reason };
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(bad(format!(
                "{} bytes, over the limit of {MAX_CERTIFICATE_LEN}",
                der.len()
            )));
        }
        let cert = Certificate::from_der(der).map_err(|e| bad(e.to_string()))?;
        let tbs_der = signed_bytes(der).map_err(|e| bad(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let extensions = tbs.extensions().cloned().unwrap_or_default();
        if extensions.len() > MAX_EXTENSIONS {
            return Err(bad(format!(
                "{} extensions, over the limit of {MAX_EXTENSIONS}",
                extensions.len()
            )));
        }
        let is_ecdsa_sha384 = |alg: &spki::AlgorithmIdentifierOwned| {
            alg.oid == ECDSA_WITH_SHA384 && alg.parameters.is_none()
        };
        let signature = cert
            .signature()
            .as_bytes()
            .ok_or_else(|| bad("the signature BIT STRING has unused bits".into()))?
            .to_vec();
        let spki =
            der::Encode::to_der(tbs.subject_public_key_info()).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            tbs: tbs_der.to_vec(),
            ecdsa_sha384: is_ecdsa_sha384(tbs.signature())
                && is_ecdsa_sha384(cert.signature_algorithm()),
            signature,
            not_before: tbs.validity().not_before.to_unix_duration().as_secs(),
            not_after: tbs.validity().not_after.to_unix_duration().as_secs(),
            spki,
            extensions,
        })
    }

    /// The TBSCertificate, DER, exactly as received: the bytes the issuer's signature covers.
    pub fn tbs(&self) -> &[u8] {
        &self.tbs
    }

    /// The signature's bytes (for ECDSA, a DER `Ecdsa-Sig-Value`).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Whether both signature algorithm fields are ecdsa-with-SHA384 (what the service CA signs
    /// with).
    pub fn is_ecdsa_sha384(&self) -> bool {
        self.ecdsa_sha384
    }

    /// Start of validity, Unix seconds.
    pub fn not_before(&self) -> u64 {
        self.not_before
    }

    /// End of validity, Unix seconds.
    pub fn not_after(&self) -> u64 {
        self.not_after
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// Every extension, in order.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The attestation extension: exactly one with [`ID_PE_CMW`], its value a CMW holding the
    /// document. Missing, repeated or malformed is an error; whether it is critical is reported,
    /// for the caller to refuse.
    pub fn attestation_extension(&self) -> Result<AttestationExtension, ServiceVerifyError> {
        let mut found = self.extensions.iter().filter(|e| e.extn_id == ID_PE_CMW);
        let extension = found.next().ok_or(ServiceVerifyError::ExtensionMissing)?;
        if found.next().is_some() {
            return Err(ServiceVerifyError::ExtensionRepeated);
        }
        Ok(AttestationExtension {
            critical: extension.critical,
            document: document_from_value(extension.extn_value.as_bytes())?,
        })
    }

    /// The DNS names and IP addresses in the SubjectAltName, as text (empty without one).
    pub fn subject_alt_names(&self) -> Result<Vec<SubjectName>, ServiceVerifyError> {
        let mut names = Vec::new();
        let alt_names = self
            .extensions
            .iter()
            .filter(|e| e.extn_id == SubjectAltName::OID);
        for ext in alt_names {
            let san = SubjectAltName::from_der(ext.extn_value.as_bytes()).map_err(|e| {
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
pub enum SubjectName {
    /// A DNS name (compared without case, exactly: no wildcards).
    Dns(String),
    /// An IP address.
    Ip(IpAddr),
}

impl SubjectName {
    /// Whether this name is `server_name` (a host name or an IP address in text form).
    pub fn names(&self, server_name: &str) -> bool {
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

/// The TBSCertificate's bytes in the DER certificate `der` (`Certificate ::= SEQUENCE {
/// tbsCertificate, signatureAlgorithm, signatureValue }`; already decoded whole by the caller).
fn signed_bytes(der: &[u8]) -> Result<&[u8], der::Error> {
    let mut reader = SliceReader::new(der)?;
    Header::decode(&mut reader)?;
    reader.tlv_bytes()
}

#[cfg(test)]
mod tests;
