//! An attestation document from an untrusted caller (a KMS `Recipient`): `parse_unverified`, then
//! `verify` against the AWS Nitro root and against a simulated root, and the service's `Verifier`
//! (certificate and document caches) twice, the second time past the document's maximum age.
//!
//! Verification is "as of" the document's own timestamp (when it parses), so that a document
//! whose chain is real — the AWS vectors, the simulated seeds — gets through every check to the
//! signatures however long ago it was made.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use nitro_kms_attest::attestation::{
    DEFAULT_MAX_AGE, TrustAnchor, Verifier, VerifyOptions, parse_unverified, verify,
};
use nitro_kms_fuzz::simulated_root;

/// When to verify a document that does not parse (its checks stop before the time matters).
const FALLBACK_AT_MS: u64 = 1_700_000_000_000;

fuzz_target!(|data: &[u8]| {
    let at_ms = parse_unverified(data).map_or(FALLBACK_AT_MS, |doc| doc.timestamp_ms);
    let at = UNIX_EPOCH + Duration::from_millis(at_ms);
    let roots = [TrustAnchor::aws_nitro_root_g1()]
        .into_iter()
        .chain(simulated_root());
    for root in roots {
        let _ = verify(data, &VerifyOptions::new(root.clone(), at));
        let verifier = Verifier::new(root).with_document_cache(4);
        let _ = verifier.verify_at(data, at);
        let later = at
            .checked_add(DEFAULT_MAX_AGE * 2)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let _ = verifier.verify_at(data, later);
    }
});
