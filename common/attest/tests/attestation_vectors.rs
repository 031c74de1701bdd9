//! Real AWS Nitro attestation documents (see `vectors/attestation/README.md` for their sources)
//! verify against the embedded AWS root as of their own time, decode to their manifest's values,
//! and fail after their leaf expired or against another root.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::{Duration, UNIX_EPOCH};

use nitro_kms_attest::attestation::{
    AttestationError, TrustAnchor, Verifier, VerifyOptions, cert_builder, parse_unverified, verify,
};
use nitro_kms_crypto::EcdsaP384KeyPair;
use proptest::prelude::*;
use serde_json::Value;

const MANIFEST: &str = include_str!("vectors/attestation/manifest.json");

fn vector(file: &str) -> Vec<u8> {
    let name = file.trim_start_matches("attestation/");
    std::fs::read(format!(
        "{}/tests/vectors/attestation/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn manifest() -> Vec<Value> {
    serde_json::from_str::<Value>(MANIFEST)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// "2022-10-13T11:58:02+00:00" -> Unix seconds (UTC only; days-from-civil, no date crate).
fn unix(rfc3339: &str) -> u64 {
    let n = |r: std::ops::Range<usize>| rfc3339[r].parse::<i64>().unwrap();
    assert!(rfc3339.ends_with("+00:00"), "{rfc3339}");
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)) as u64
}

#[test]
fn manifest_times_convert_to_unix_seconds() {
    assert_eq!(unix("2022-10-13T08:58:02+00:00"), 1_665_651_482);
    assert_eq!(unix("2021-03-24T16:10:41+00:00"), 1_616_602_241);
}

fn opts_at(secs: u64) -> VerifyOptions {
    let mut o = VerifyOptions::new(
        TrustAnchor::aws_nitro_root_g1(),
        UNIX_EPOCH + Duration::from_secs(secs),
    );
    o.max_age = None;
    o
}

#[test]
fn every_real_document_verifies_as_of_its_manifest_time_and_decodes_to_the_manifest() {
    for m in manifest() {
        let file = m["file"].as_str().unwrap();
        let doc = verify(
            &vector(file),
            &opts_at(m["verify_at_unix_s"].as_u64().unwrap()),
        )
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(doc.module_id, m["module_id"].as_str().unwrap(), "{file}");
        assert_eq!(doc.digest, m["digest"].as_str().unwrap(), "{file}");
        assert_eq!(
            doc.timestamp_ms,
            m["timestamp_ms"].as_u64().unwrap(),
            "{file}"
        );
        assert_eq!(
            doc.pcrs.len() as u64,
            m["pcr_count"].as_u64().unwrap(),
            "{file}"
        );
        for i in [0u16, 1, 2, 3, 4, 8] {
            assert_eq!(
                doc.pcr(i).map(hex::encode).as_deref(),
                m[format!("pcr{i}")].as_str(),
                "{file} pcr{i}"
            );
        }
        assert_eq!(doc.pcr(16).is_some(), !m["pcr16"].is_null(), "{file}");
        assert_eq!(
            doc.public_key.as_ref().map(|k| k.len() as u64),
            m["public_key_len"].as_u64(),
            "{file}"
        );
        assert_eq!(
            doc.user_data.as_ref().map(hex::encode).as_deref(),
            m["user_data_hex"].as_str(),
            "{file}"
        );
        assert_eq!(
            doc.nonce.as_ref().map(|n| n.len() as u64),
            m["nonce_len"].as_u64(),
            "{file}"
        );
        assert_eq!(doc.image_sha384().as_deref(), m["pcr0"].as_str(), "{file}");
        assert_eq!(
            doc.leaf_not_after,
            unix(m["leaf_not_after"].as_str().unwrap()),
            "{file}"
        );
        assert!(!doc.simulated);
        let parsed = parse_unverified(&vector(file)).unwrap();
        assert_eq!(
            parsed.cabundle.len() as u64,
            m["cabundle_len"].as_u64().unwrap(),
            "{file}"
        );
    }
}

#[test]
fn every_real_document_fails_one_hour_after_its_leaf_expired() {
    for m in manifest() {
        let file = m["file"].as_str().unwrap();
        let not_after = unix(m["leaf_not_after"].as_str().unwrap());
        let err = verify(&vector(file), &opts_at(not_after + 3600)).unwrap_err();
        let leaf_pos = m["cabundle_len"].as_u64().unwrap() as usize;
        assert_eq!(
            err,
            AttestationError::CertificateExpired {
                position: leaf_pos,
                not_after
            },
            "{file}"
        );
    }
}

#[test]
fn every_real_document_fails_before_its_leaf_was_issued() {
    for m in manifest() {
        let file = m["file"].as_str().unwrap();
        let not_before = unix(m["leaf_not_before"].as_str().unwrap());
        let err = verify(&vector(file), &opts_at(not_before - 1)).unwrap_err();
        assert!(
            matches!(err, AttestationError::CertificateNotYetValid { .. }),
            "{file}: {err}"
        );
    }
}

#[test]
fn every_real_document_fails_with_a_different_pinned_root() {
    let key = EcdsaP384KeyPair::generate().unwrap();
    let spec = cert_builder::CertSpec::root("CN=other root", 1_000_000_000, 2_000_000_000);
    let other =
        TrustAnchor::simulated_from_der(&cert_builder::self_signed(&spec, &key).unwrap()).unwrap();
    for m in manifest() {
        let file = m["file"].as_str().unwrap();
        let mut opts = opts_at(m["verify_at_unix_s"].as_u64().unwrap());
        opts.root = other.clone();
        assert_eq!(
            verify(&vector(file), &opts).unwrap_err(),
            AttestationError::RootNotPinned,
            "{file}"
        );
    }
}

#[test]
fn real_documents_are_refused_as_too_old_with_the_default_max_age() {
    let m = &manifest()[0];
    let at = m["verify_at_unix_s"].as_u64().unwrap() + 3600;
    let mut opts = opts_at(at);
    opts.max_age = Some(Duration::from_secs(300));
    let err = verify(&vector(m["file"].as_str().unwrap()), &opts).unwrap_err();
    assert!(
        matches!(err, AttestationError::DocumentTooOld { .. }),
        "{err}"
    );
}

#[test]
fn cached_verifier_gives_the_same_verdicts_as_the_uncached_one() {
    let verifier = Verifier::new(TrustAnchor::aws_nitro_root_g1()).with_max_age(None);
    for round in 0..2 {
        for m in manifest() {
            let file = m["file"].as_str().unwrap();
            let ok_at = UNIX_EPOCH + Duration::from_secs(m["verify_at_unix_s"].as_u64().unwrap());
            let cached = verifier.verify_at(&vector(file), ok_at).unwrap();
            assert_eq!(
                cached,
                verify(
                    &vector(file),
                    &opts_at(m["verify_at_unix_s"].as_u64().unwrap())
                )
                .unwrap()
            );
            // An expired chain stays expired even when its intermediates are cached.
            let late = unix(m["leaf_not_after"].as_str().unwrap()) + 3600;
            assert_eq!(
                verifier
                    .verify_at(&vector(file), UNIX_EPOCH + Duration::from_secs(late))
                    .unwrap_err(),
                verify(&vector(file), &opts_at(late)).unwrap_err(),
                "{file} round {round}"
            );
        }
    }
    assert!(verifier.cached_certificates() > 0);
}

#[test]
fn tagged_real_document_verifies_too() {
    let m = &manifest()[2];
    let mut tagged = vec![0xd2]; // tag 18
    tagged.extend(vector(m["file"].as_str().unwrap()));
    verify(&tagged, &opts_at(m["verify_at_unix_s"].as_u64().unwrap())).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn verify_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = verify(&bytes, &opts_at(1_665_651_482));
    }

    #[test]
    fn verify_never_panics_on_mutations_of_a_real_document(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let original = vector("evervault_prod_with_nonce.cose");
        let mut doc = original.clone();
        for (pos, byte) in edits {
            let i = pos % doc.len();
            doc[i] ^= byte | 1;
        }
        doc.truncate(doc.len() - cut % 64);
        // Any edit must be caught: a changed document never verifies.
        let verdict = verify(&doc, &opts_at(1_665_651_482));
        if doc != original {
            prop_assert!(verdict.is_err());
        }
    }
}
