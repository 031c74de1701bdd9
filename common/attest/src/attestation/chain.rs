//! The certificate chain of a document: `cabundle[0] (pinned root) -> … -> certificate (leaf)`.
//!
//! Each certificate must be DER X.509 with an ECDSA P-384 key signed with ecdsa-with-SHA384 (the
//! only algorithms Nitro uses: anything else is refused rather than supported loosely). Then, with
//! positions counted from the root:
//!
//! 1. `cabundle[0]` is byte-equal to the pinned root — it is compared, never trusted;
//! 2. every certificate names the one above it as issuer, and its signature (over the TBS bytes as
//!    received) verifies with that one's key;
//! 3. every certificate is valid at the verification time;
//! 4. every certificate above the leaf is a CA (BasicConstraints `CA:TRUE`) with keyCertSign, and
//!    its path length constraint admits the intermediates below it;
//! 5. the leaf is not a CA and has digitalSignature;
//! 6. no certificate carries a critical extension other than BasicConstraints and KeyUsage.
//!
//! KeyUsage and BasicConstraints are required on every certificate: all of Nitro's have them, and
//! a chain without them would be checked by weaker rules than the ones written here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use const_oid::ObjectIdentifier;
use der::{Decode, Encode, Header, Reader, SliceReader};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

use super::cert_builder::ECDSA_WITH_SHA384;
use super::error::AttestationError;
use nitro_kms_crypto::{self as crypto, SignatureEncoding};

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_CE_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// What the chain checks need from one certificate, extracted once.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    /// The TBSCertificate bytes exactly as received (what the issuer signed).
    tbs: Vec<u8>,
    /// The signature (DER Ecdsa-Sig-Value).
    signature: Vec<u8>,
    /// DER of the issuer and subject names, compared byte for byte.
    issuer: Vec<u8>,
    subject: Vec<u8>,
    /// Uncompressed P-384 public point.
    pub(crate) public_point: Vec<u8>,
    /// Validity window, Unix seconds.
    pub(crate) not_before: u64,
    pub(crate) not_after: u64,
    ca: bool,
    path_len: Option<u8>,
    key_cert_sign: bool,
    digital_signature: bool,
}

/// Parses one certificate and extracts what the checks need.
pub(crate) fn parse_certificate(der: &[u8], position: usize) -> Result<CertInfo, AttestationError> {
    let parse_err = || AttestationError::CertificateParse { position };
    let cert = Certificate::from_der(der).map_err(|_| parse_err())?;
    // Slice the TBS out of the original bytes: SEQUENCE { tbs, alg, sig }.
    let mut reader = SliceReader::new(der).map_err(|_| parse_err())?;
    Header::decode(&mut reader).map_err(|_| parse_err())?;
    let tbs = reader.tlv_bytes().map_err(|_| parse_err())?.to_vec();

    let alg_err = || AttestationError::UnsupportedCertificateAlgorithm { position };
    let tbs_cert = cert.tbs_certificate();
    for alg in [cert.signature_algorithm(), tbs_cert.signature()] {
        if alg.oid != ECDSA_WITH_SHA384 || alg.parameters.is_some() {
            return Err(alg_err());
        }
    }
    let spki = tbs_cert.subject_public_key_info();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY || curve != Some(SECP384R1) {
        return Err(alg_err());
    }
    let public_point = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(alg_err)?
        .to_vec();
    if public_point.len() != crypto::P384_POINT_LEN {
        return Err(alg_err());
    }

    let ext_err = || AttestationError::MalformedExtension { position };
    if let Some(exts) = tbs_cert.extensions() {
        for ext in exts.iter() {
            if ext.critical
                && ext.extn_id != ID_CE_BASIC_CONSTRAINTS
                && ext.extn_id != ID_CE_KEY_USAGE
            {
                return Err(AttestationError::UnknownCriticalExtension { position });
            }
        }
    }
    let bc = tbs_cert
        .get_extension::<BasicConstraints>()
        .map_err(|_| ext_err())?;
    let ku = tbs_cert
        .get_extension::<KeyUsage>()
        .map_err(|_| ext_err())?;
    let (ca, path_len) = bc
        .map(|(_, bc)| (bc.ca, bc.path_len_constraint))
        .unwrap_or((false, None));
    let (key_cert_sign, digital_signature) = ku
        .map(|(_, ku)| (ku.key_cert_sign(), ku.digital_signature()))
        .unwrap_or((false, false));
    let validity = tbs_cert.validity();
    Ok(CertInfo {
        tbs,
        signature: cert.signature().raw_bytes().to_vec(),
        issuer: tbs_cert.issuer().to_der().map_err(|_| parse_err())?,
        subject: tbs_cert.subject().to_der().map_err(|_| parse_err())?,
        public_point,
        not_before: validity.not_before.to_unix_duration().as_secs(),
        not_after: validity.not_after.to_unix_duration().as_secs(),
        ca,
        path_len,
        key_cert_sign,
        digital_signature,
    })
}

/// A bounded cache of certificates that already passed the checks that depend only on their bytes
/// and their issuer's (parse, algorithms, extensions, signature by that issuer), keyed by SHA-256
/// of their DER and of their issuer's DER.
///
/// Everything that depends on the moment or on the position in the chain is re-checked at every
/// use from the cached facts: validity dates, CA and key-usage rules, path length, leaf rules. The
/// pinned root (self-signed) and the enclave's leaf are cached too: an enclave's NSM puts the same
/// leaf in every document it makes during its life, so with the cache warm a fresh document costs
/// one P-384 verification (its COSE signature) instead of three. Documents themselves are never
/// cached: every signature over a payload is verified.
#[derive(Debug, Default)]
pub struct CertificateCache {
    entries: Mutex<HashMap<[u8; 32], Arc<CertInfo>>>,
    capacity: usize,
}

impl CertificateCache {
    /// A cache holding at most `capacity` certificates (a region has a handful of intermediates,
    /// and each running enclave one leaf; when full, the cache is cleared rather than grown).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Number of cached certificates.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn key(der: &[u8], issuer_der: &[u8]) -> [u8; 32] {
        crypto::sha256(&[crypto::sha256(der), crypto::sha256(issuer_der)].concat())
    }

    fn get(&self, key: &[u8; 32]) -> Option<Arc<CertInfo>> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: [u8; 32], info: Arc<CertInfo>) {
        if let Ok(mut e) = self.entries.lock() {
            if e.len() >= self.capacity {
                e.clear();
            }
            if self.capacity > 0 {
                e.insert(key, info);
            }
        }
    }
}

/// A chain that validated: its leaf, and the window (Unix seconds, inclusive) in which every one
/// of its certificates is valid.
#[derive(Debug, Clone)]
pub(crate) struct ValidChain {
    /// The leaf certificate.
    pub(crate) leaf: Arc<CertInfo>,
    /// The latest notBefore in the chain.
    pub(crate) valid_from: u64,
    /// The earliest notAfter in the chain.
    pub(crate) valid_until: u64,
}

/// Validates `root_der <- cabundle[1..] <- leaf_der` at `at` (Unix seconds) and returns the leaf.
pub(crate) fn validate(
    root_pin: &[u8],
    cabundle: &[Vec<u8>],
    leaf_der: &[u8],
    at: u64,
    cache: Option<&CertificateCache>,
) -> Result<ValidChain, AttestationError> {
    let root_der = cabundle.first().ok_or(AttestationError::EmptyCabundle)?;
    if !crypto::constant_time_eq(root_der, root_pin) {
        return Err(AttestationError::RootNotPinned);
    }
    let mut chain: Vec<&[u8]> = cabundle.iter().map(Vec::as_slice).collect();
    chain.push(leaf_der);
    let leaf_pos = chain.len() - 1;

    // The root signs itself: check it, as any verifier of a pinned self-signed root may.
    let root_key = CertificateCache::key(root_der, root_der);
    let mut issuer = match cache.and_then(|c| c.get(&root_key)) {
        Some(info) => info,
        None => {
            let info = Arc::new(parse_certificate(root_der, 0)?);
            check_issued_by(&info, &info, 0)?;
            if let Some(c) = cache {
                c.put(root_key, info.clone());
            }
            info
        }
    };
    check_validity(&issuer, 0, at)?;
    let (mut valid_from, mut valid_until) = (issuer.not_before, issuer.not_after);
    for (position, der) in chain.iter().enumerate().skip(1) {
        let is_leaf = position == leaf_pos;
        let cache_key =
            CertificateCache::key(der, chain.get(position - 1).copied().unwrap_or_default());
        let cert = match cache.and_then(|c| c.get(&cache_key)) {
            Some(info) => info,
            None => {
                let info = Arc::new(parse_certificate(der, position)?);
                check_issued_by(&info, &issuer, position)?;
                if let Some(c) = cache {
                    c.put(cache_key, info.clone());
                }
                info
            }
        };
        check_ca(&issuer, position - 1, leaf_pos)?;
        check_validity(&cert, position, at)?;
        valid_from = valid_from.max(cert.not_before);
        valid_until = valid_until.min(cert.not_after);
        if is_leaf {
            if cert.ca {
                return Err(AttestationError::LeafIsCa);
            }
            if !cert.digital_signature {
                return Err(AttestationError::MissingKeyUsage { position });
            }
        }
        issuer = cert;
    }
    Ok(ValidChain {
        leaf: issuer,
        valid_from,
        valid_until,
    })
}

fn check_issued_by(
    cert: &CertInfo,
    issuer: &CertInfo,
    position: usize,
) -> Result<(), AttestationError> {
    if cert.issuer != issuer.subject {
        return Err(AttestationError::IssuerMismatch { position });
    }
    crypto::verify_p384_sha384(
        &issuer.public_point,
        &cert.tbs,
        &cert.signature,
        SignatureEncoding::Asn1,
    )
    .map_err(|_| AttestationError::CertificateSignatureInvalid { position })
}

fn check_validity(cert: &CertInfo, position: usize, at: u64) -> Result<(), AttestationError> {
    if at < cert.not_before {
        return Err(AttestationError::CertificateNotYetValid {
            position,
            not_before: cert.not_before,
        });
    }
    if at > cert.not_after {
        return Err(AttestationError::CertificateExpired {
            position,
            not_after: cert.not_after,
        });
    }
    Ok(())
}

/// The certificate at `position` issues the next one: it must be a CA with keyCertSign whose
/// path length admits the intermediates between it and the leaf.
fn check_ca(cert: &CertInfo, position: usize, leaf_pos: usize) -> Result<(), AttestationError> {
    if !cert.ca {
        return Err(AttestationError::NotACa { position });
    }
    if !cert.key_cert_sign {
        return Err(AttestationError::MissingKeyUsage { position });
    }
    // Intermediate CAs strictly between this certificate and the leaf.
    let below = leaf_pos.saturating_sub(position + 1);
    if let Some(max) = cert.path_len
        && below > usize::from(max)
    {
        return Err(AttestationError::PathLenExceeded { position });
    }
    Ok(())
}
