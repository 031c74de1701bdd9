//! Verifying a document: size, COSE envelope, payload, chain, signature, freshness — in that order.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::chain::{self, CertificateCache};
use super::cose;
use super::error::AttestationError;
use super::payload::Payload;
use super::roots::TrustAnchor;
use nitro_kms_crypto::{self as crypto, SignatureEncoding};

/// Largest document accepted: the KMS `AttestationDocument` member's maximum length.
pub const MAX_DOCUMENT_LEN: usize = 262_144;
/// Default maximum age of a document at verification time. The NSM stamps documents when they
/// are made; KMS callers make one per request, so five minutes is generous.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// Default tolerated clock difference for documents stamped in the future.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// How to verify: which root, as of when, how old a document may be.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The pinned root.
    pub root: TrustAnchor,
    /// The verification time (certificate validity and document age are judged at it).
    pub at: SystemTime,
    /// Maximum document age at `at`; `None` turns the check off (e.g. for old test vectors).
    pub max_age: Option<Duration>,
    /// How far in the future a document's timestamp may be.
    pub max_clock_skew: Duration,
}

impl VerifyOptions {
    /// Options with the defaults: [`DEFAULT_MAX_AGE`] and [`DEFAULT_MAX_CLOCK_SKEW`].
    pub fn new(root: TrustAnchor, at: SystemTime) -> Self {
        Self {
            root,
            at,
            max_age: Some(DEFAULT_MAX_AGE),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
        }
    }

    /// Verify as of now against the AWS Nitro Enclaves Root G1, with the defaults.
    pub fn aws_now() -> Self {
        Self::new(TrustAnchor::aws_nitro_root_g1(), SystemTime::now())
    }
}

/// A document whose every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDocument {
    /// Enclave module id.
    pub module_id: String,
    /// Milliseconds since the Unix epoch when the NSM made the document.
    pub timestamp_ms: u64,
    /// Digest name (`SHA384`).
    pub digest: String,
    /// PCR index -> 48-byte value.
    pub pcrs: BTreeMap<u16, Vec<u8>>,
    /// The bound public key (DER SPKI for KMS recipients), if any.
    pub public_key: Option<Vec<u8>>,
    /// Application data, if any.
    pub user_data: Option<Vec<u8>>,
    /// Nonce, if any.
    pub nonce: Option<Vec<u8>>,
    /// The leaf certificate's notAfter (Unix seconds): the document is worthless after it.
    pub leaf_not_after: u64,
    /// Whether it chained to a simulated root (so it proves nothing about hardware).
    pub simulated: bool,
}

impl VerifiedDocument {
    /// The value of PCR `index`, if the document has it.
    pub fn pcr(&self, index: u16) -> Option<&[u8]> {
        self.pcrs.get(&index).map(Vec::as_slice)
    }

    /// PCR0 (the enclave image's SHA-384) as lower-case hex, as KMS condition keys compare it
    /// (`kms:RecipientAttestation:ImageSha384`).
    pub fn image_sha384(&self) -> Option<String> {
        self.pcr(0).map(hex::encode)
    }
}

/// A document parsed and size-checked, but NOT verified: for inspection tools only.
pub type UnverifiedDocument = Payload;

/// Parses a document without verifying its signature or chain. Never base a decision on it.
pub fn parse_unverified(document: &[u8]) -> Result<UnverifiedDocument, AttestationError> {
    check_size(document)?;
    Payload::parse(&cose::parse(document)?.payload)
}

fn check_size(document: &[u8]) -> Result<(), AttestationError> {
    if document.len() > MAX_DOCUMENT_LEN {
        return Err(AttestationError::TooLarge {
            len: document.len(),
            max: MAX_DOCUMENT_LEN,
        });
    }
    if document.is_empty() {
        return Err(AttestationError::MalformedCose("empty document"));
    }
    Ok(())
}

/// Verifies `document` with `opts` (no certificate cache: every signature is checked).
pub fn verify(document: &[u8], opts: &VerifyOptions) -> Result<VerifiedDocument, AttestationError> {
    verify_with_cache(document, opts, None)
}

fn verify_with_cache(
    document: &[u8],
    opts: &VerifyOptions,
    cache: Option<&CertificateCache>,
) -> Result<VerifiedDocument, AttestationError> {
    verify_full(document, opts, cache).map(|(verified, _)| verified)
}

/// Every check; also returns the chain's validity window for [`DocumentCache`].
fn verify_full(
    document: &[u8],
    opts: &VerifyOptions,
    cache: Option<&CertificateCache>,
) -> Result<(VerifiedDocument, (u64, u64)), AttestationError> {
    check_size(document)?;
    let parts = cose::parse(document)?;
    if parts.signature.len() != crypto::P384_FIXED_SIGNATURE_LEN {
        return Err(AttestationError::BadSignatureLength(parts.signature.len()));
    }
    let payload = Payload::parse(&parts.payload)?;
    let at = opts.at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let chain = chain::validate(
        opts.root.der(),
        &payload.cabundle,
        &payload.certificate,
        at.as_secs(),
        cache,
    )?;
    let leaf = &chain.leaf;
    crypto::verify_p384_sha384(
        &leaf.public_point,
        &cose::sig_structure(&parts),
        &parts.signature,
        SignatureEncoding::Fixed,
    )
    .map_err(|_| AttestationError::DocumentSignatureInvalid)?;
    check_freshness(payload.timestamp_ms, at, opts)?;
    Ok((
        VerifiedDocument {
            module_id: payload.module_id,
            timestamp_ms: payload.timestamp_ms,
            digest: payload.digest,
            pcrs: payload.pcrs,
            public_key: payload.public_key,
            user_data: payload.user_data,
            nonce: payload.nonce,
            leaf_not_after: leaf.not_after,
            simulated: opts.root.is_simulated(),
        },
        (chain.valid_from, chain.valid_until),
    ))
}

/// Documents that passed every check, by SHA-256 of their bytes, with their chain's validity
/// window. A document presented again (an application may reuse one for several calls while it
/// is fresh) skips its signature checks — the same bytes verify the same way — but never the
/// checks that depend on the moment: its age and skew, and every certificate's dates. Bounded:
/// when full it is cleared rather than grown.
#[derive(Debug)]
struct DocumentCache {
    entries: Mutex<HashMap<[u8; crypto::SHA256_LEN], CachedDocument>>,
    capacity: usize,
}

#[derive(Debug, Clone)]
struct CachedDocument {
    verified: Arc<VerifiedDocument>,
    valid_from: u64,
    valid_until: u64,
}

impl DocumentCache {
    fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn get(&self, digest: &[u8; crypto::SHA256_LEN]) -> Option<CachedDocument> {
        self.entries.lock().ok()?.get(digest).cloned()
    }

    fn put(&self, digest: [u8; crypto::SHA256_LEN], entry: CachedDocument) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            if self.capacity > 0 {
                entries.insert(digest, entry);
            }
        }
    }
}

fn check_freshness(
    timestamp_ms: u64,
    at: Duration,
    opts: &VerifyOptions,
) -> Result<(), AttestationError> {
    let stamped = Duration::from_millis(timestamp_ms);
    if stamped > at {
        let ahead = stamped - at;
        if ahead > opts.max_clock_skew {
            return Err(AttestationError::DocumentFromFuture {
                ahead,
                max: opts.max_clock_skew,
            });
        }
    } else if let Some(max) = opts.max_age {
        let age = at - stamped;
        if age > max {
            return Err(AttestationError::DocumentTooOld { age, max });
        }
    }
    Ok(())
}

/// A verifier for a service's hot path: one pinned root, a cache of verified certificates and one
/// of verified documents.
#[derive(Debug)]
pub struct Verifier {
    root: TrustAnchor,
    max_age: Option<Duration>,
    max_clock_skew: Duration,
    cache: CertificateCache,
    documents: DocumentCache,
}

impl Verifier {
    /// A verifier pinned to `root`, with the default age and skew and a 1024-entry certificate
    /// cache (one leaf per attesting enclave, plus the root and a few intermediates).
    pub fn new(root: TrustAnchor) -> Self {
        Self {
            root,
            max_age: Some(DEFAULT_MAX_AGE),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            cache: CertificateCache::new(1024),
            documents: DocumentCache::new(4096),
        }
    }

    /// Sets the maximum document age (`None`: no limit).
    pub fn with_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }

    /// Sets how many verified documents are remembered (0 turns the document cache off, so every
    /// document's signatures are checked: what the micro-benchmarks of fresh documents measure).
    pub fn with_document_cache(mut self, capacity: usize) -> Self {
        self.documents = DocumentCache::new(capacity);
        self
    }

    /// Sets the tolerated clock skew.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// The pinned root.
    pub fn root(&self) -> &TrustAnchor {
        &self.root
    }

    /// Number of certificates currently cached (root, intermediates and leaves).
    pub fn cached_certificates(&self) -> usize {
        self.cache.len()
    }

    /// Verifies `document` as of `at`. A new document's signature is always checked; a
    /// certificate already verified under the same issuer skips its signature check, and so does
    /// a document already verified byte for byte — never their dates, the document's age, or the
    /// CA and key-usage rules, which are re-checked at every use.
    pub fn verify_at(
        &self,
        document: &[u8],
        at: SystemTime,
    ) -> Result<VerifiedDocument, AttestationError> {
        let opts = VerifyOptions {
            root: self.root.clone(),
            at,
            max_age: self.max_age,
            max_clock_skew: self.max_clock_skew,
        };
        if document.len() > MAX_DOCUMENT_LEN {
            return verify_with_cache(document, &opts, Some(&self.cache));
        }
        let digest = crypto::sha256(document);
        let now = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        if let Some(hit) = self.documents.get(&digest) {
            let secs = now.as_secs();
            if (hit.valid_from..=hit.valid_until).contains(&secs)
                && check_freshness(hit.verified.timestamp_ms, now, &opts).is_ok()
            {
                return Ok((*hit.verified).clone());
            }
            // Out of its window now: the full path below says exactly why.
        }
        let (verified, (valid_from, valid_until)) =
            verify_full(document, &opts, Some(&self.cache))?;
        self.documents.put(
            digest,
            CachedDocument {
                verified: Arc::new(verified.clone()),
                valid_from,
                valid_until,
            },
        );
        Ok(verified)
    }

    /// Verifies `document` as of now.
    pub fn verify(&self, document: &[u8]) -> Result<VerifiedDocument, AttestationError> {
        self.verify_at(document, SystemTime::now())
    }
}
