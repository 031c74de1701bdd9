//! Every check of the attestation verifier, pinned: a valid synthetic document passes, and each
//! tampering is rejected with exactly the error variant that names the broken check.
//!
//! Synthetic chains are minted with `cert_builder` (root -> intermediate -> leaf, valid now) and
//! documents signed with `build`, so each test changes exactly one thing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ciborium::Value;
use nitro_kms_attest::attestation::build::sign_payload;
use nitro_kms_attest::attestation::cert_builder::{CertSpec, issue, key_usage, self_signed};
use nitro_kms_attest::attestation::payload::Payload;
use nitro_kms_attest::attestation::{AttestationError as E, TrustAnchor, VerifyOptions, verify};
use nitro_kms_crypto::{EcdsaP384KeyPair, SignatureEncoding};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

const ROOT_DN: &str = "CN=test root,O=nitro-kms";
const INTER_DN: &str = "CN=test intermediate,O=nitro-kms";
const LEAF_DN: &str = "CN=test enclave,O=nitro-kms";

/// A root -> intermediate -> leaf chain with its keys.
struct Chain {
    root_key: EcdsaP384KeyPair,
    inter_key: EcdsaP384KeyPair,
    leaf_key: EcdsaP384KeyPair,
    root: Vec<u8>,
    inter: Vec<u8>,
    leaf: Vec<u8>,
}

/// Specs of a chain valid now; tests edit them before minting.
struct Specs {
    root: CertSpec,
    inter: CertSpec,
    leaf: CertSpec,
}

impl Specs {
    fn valid() -> Self {
        let t = now();
        Self {
            root: CertSpec::root(ROOT_DN, t - 86_400, t + 86_400 * 365),
            inter: CertSpec::intermediate(INTER_DN, t - 86_400, t + 86_400 * 30, 0),
            leaf: CertSpec::leaf(LEAF_DN, t - 3600, t + 3600),
        }
    }

    fn mint(&self) -> Chain {
        let root_key = EcdsaP384KeyPair::generate().unwrap();
        let inter_key = EcdsaP384KeyPair::generate().unwrap();
        let leaf_key = EcdsaP384KeyPair::generate().unwrap();
        let root = self_signed(&self.root, &root_key).unwrap();
        let inter = issue(
            &self.inter,
            &inter_key.public_key_spki_der().unwrap(),
            &self.root.subject,
            &root_key,
        )
        .unwrap();
        let leaf = issue(
            &self.leaf,
            &leaf_key.public_key_spki_der().unwrap(),
            &self.inter.subject,
            &inter_key,
        )
        .unwrap();
        Chain {
            root_key,
            inter_key,
            leaf_key,
            root,
            inter,
            leaf,
        }
    }
}

impl Chain {
    fn fields(&self) -> Payload {
        Payload {
            module_id: "i-0123456789abcdef0-enc0123456789abcdef".into(),
            digest: "SHA384".into(),
            timestamp_ms: now() * 1000,
            pcrs: (0u16..16).map(|i| (i, vec![i as u8; 48])).collect(),
            certificate: self.leaf.clone(),
            cabundle: vec![self.root.clone(), self.inter.clone()],
            public_key: Some(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
            user_data: Some(b"user".to_vec()),
            nonce: Some(vec![7; 32]),
        }
    }

    fn doc_with(&self, edit: impl FnOnce(&mut Payload)) -> Vec<u8> {
        let mut f = self.fields();
        edit(&mut f);
        sign_payload(f.encode().unwrap(), &self.leaf_key).unwrap()
    }

    fn doc(&self) -> Vec<u8> {
        self.doc_with(|_| {})
    }

    fn opts(&self) -> VerifyOptions {
        VerifyOptions::new(
            TrustAnchor::simulated_from_der(&self.root).unwrap(),
            SystemTime::now(),
        )
    }

    /// Signs a payload map edited at the CBOR level (for fields the builder cannot get wrong).
    fn doc_with_map(&self, edit: impl FnOnce(&mut Vec<(Value, Value)>)) -> Vec<u8> {
        let payload = self.fields().encode().unwrap();
        let Value::Map(mut entries) = ciborium::from_reader::<Value, _>(&payload[..]).unwrap()
        else {
            panic!("payload is a map")
        };
        edit(&mut entries);
        let mut out = Vec::new();
        ciborium::into_writer(&Value::Map(entries), &mut out).unwrap();
        sign_payload(out, &self.leaf_key).unwrap()
    }
}

fn valid_chain() -> Chain {
    Specs::valid().mint()
}

/// Rebuilds a COSE_Sign1 from parts, for envelope-level tampering.
fn cose(protected: &[u8], payload: &[u8], signature: &[u8]) -> Vec<u8> {
    let v = Value::Array(vec![
        Value::Bytes(protected.to_vec()),
        Value::Map(vec![]),
        Value::Bytes(payload.to_vec()),
        Value::Bytes(signature.to_vec()),
    ]);
    let mut out = Vec::new();
    ciborium::into_writer(&v, &mut out).unwrap();
    out
}

fn parts(doc: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let Value::Array(items) = ciborium::from_reader::<Value, _>(doc).unwrap() else {
        panic!()
    };
    let b = |v: &Value| v.as_bytes().unwrap().clone();
    (b(&items[0]), b(&items[2]), b(&items[3]))
}

fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let v = Value::Array(vec![
        Value::Text("Signature1".into()),
        Value::Bytes(protected.to_vec()),
        Value::Bytes(vec![]),
        Value::Bytes(payload.to_vec()),
    ]);
    let mut out = Vec::new();
    ciborium::into_writer(&v, &mut out).unwrap();
    out
}

fn remove(entries: &mut Vec<(Value, Value)>, key: &str) {
    entries.retain(|(k, _)| k.as_text() != Some(key));
}

fn set(entries: &mut [(Value, Value)], key: &str, value: Value) {
    for (k, v) in entries.iter_mut() {
        if k.as_text() == Some(key) {
            *v = value.clone();
        }
    }
}

// ---------------------------------------------------------------------------------------------

#[test]
fn valid_synthetic_document_verifies_and_decodes() {
    let c = valid_chain();
    let doc = verify(&c.doc(), &c.opts()).unwrap();
    assert_eq!(doc.user_data.as_deref(), Some(&b"user"[..]));
    assert_eq!(doc.nonce.as_deref(), Some(&[7u8; 32][..]));
    assert_eq!(doc.pcr(3), Some(&[3u8; 48][..]));
    assert!(doc.simulated);
}

#[test]
fn flipped_payload_byte_is_an_invalid_document_signature() {
    let c = valid_chain();
    let (p, mut payload, s) = parts(&c.doc());
    // The user_data value: bstr(4) "user". Flip its first letter: a valid payload, not the signed one.
    let at = payload.windows(5).position(|w| w == b"\x44user").unwrap() + 1;
    payload[at] ^= 0x01;
    assert_eq!(
        verify(&cose(&p, &payload, &s), &c.opts()).unwrap_err(),
        E::DocumentSignatureInvalid
    );
}

#[test]
fn flipped_signature_byte_is_an_invalid_document_signature() {
    let c = valid_chain();
    let (p, payload, mut s) = parts(&c.doc());
    s[10] ^= 0x80;
    assert_eq!(
        verify(&cose(&p, &payload, &s), &c.opts()).unwrap_err(),
        E::DocumentSignatureInvalid
    );
}

#[test]
fn es256_in_the_protected_header_is_an_unsupported_algorithm() {
    let c = valid_chain();
    let (_, payload, s) = parts(&c.doc());
    let es256 = [0xa1, 0x01, 0x26];
    assert_eq!(
        verify(&cose(&es256, &payload, &s), &c.opts()).unwrap_err(),
        E::UnsupportedAlgorithm
    );
}

#[test]
fn signature_of_95_or_97_bytes_is_a_bad_signature_length() {
    let c = valid_chain();
    let (p, payload, s) = parts(&c.doc());
    assert_eq!(
        verify(&cose(&p, &payload, &s[..95]), &c.opts()).unwrap_err(),
        E::BadSignatureLength(95)
    );
    let mut long = s.clone();
    long.push(0);
    assert_eq!(
        verify(&cose(&p, &payload, &long), &c.opts()).unwrap_err(),
        E::BadSignatureLength(97)
    );
}

#[test]
fn cabundle_whose_root_is_not_the_pin_is_refused() {
    let c = valid_chain();
    let other = valid_chain();
    let mut opts = c.opts();
    opts.root = TrustAnchor::simulated_from_der(&other.root).unwrap();
    assert_eq!(verify(&c.doc(), &opts).unwrap_err(), E::RootNotPinned);
}

#[test]
fn aws_root_refuses_a_simulated_chain() {
    let c = valid_chain();
    let mut opts = c.opts();
    opts.root = TrustAnchor::aws_nitro_root_g1();
    assert_eq!(verify(&c.doc(), &opts).unwrap_err(), E::RootNotPinned);
}

#[test]
fn root_signed_leaf_claiming_the_intermediate_as_issuer_is_an_invalid_certificate_signature() {
    let s = Specs::valid();
    let c = s.mint();
    // The root signs a leaf directly, naming the intermediate as issuer to skip it.
    let forged = issue(
        &s.leaf,
        &c.leaf_key.public_key_spki_der().unwrap(),
        INTER_DN,
        &c.root_key,
    )
    .unwrap();
    let doc = c.doc_with(|f| f.certificate = forged);
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::CertificateSignatureInvalid { position: 2 }
    );
}

#[test]
fn root_signed_leaf_naming_the_root_is_an_issuer_mismatch() {
    let s = Specs::valid();
    let c = s.mint();
    let skipping = issue(
        &s.leaf,
        &c.leaf_key.public_key_spki_der().unwrap(),
        ROOT_DN,
        &c.root_key,
    )
    .unwrap();
    let doc = c.doc_with(|f| f.certificate = skipping);
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::IssuerMismatch { position: 2 }
    );
}

#[test]
fn certificate_signed_by_the_wrong_key_is_an_invalid_certificate_signature() {
    let s = Specs::valid();
    let c = s.mint();
    let stranger = EcdsaP384KeyPair::generate().unwrap();
    let inter = issue(
        &s.inter,
        &c.inter_key.public_key_spki_der().unwrap(),
        ROOT_DN,
        &stranger,
    )
    .unwrap();
    let doc = c.doc_with(|f| f.cabundle[1] = inter);
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::CertificateSignatureInvalid { position: 1 }
    );
}

#[test]
fn document_signed_by_a_key_other_than_the_leafs_is_an_invalid_document_signature() {
    let c = valid_chain();
    let payload = c.fields().encode().unwrap();
    let doc = sign_payload(payload, &c.inter_key).unwrap();
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::DocumentSignatureInvalid
    );
}

#[test]
fn expired_intermediate_is_refused() {
    let mut s = Specs::valid();
    s.inter.not_after = now() - 60;
    let c = s.mint();
    let err = verify(&c.doc(), &c.opts()).unwrap_err();
    assert_eq!(
        err,
        E::CertificateExpired {
            position: 1,
            not_after: s.inter.not_after
        }
    );
}

#[test]
fn expired_root_is_refused() {
    let mut s = Specs::valid();
    s.root.not_after = now() - 60;
    let c = s.mint();
    assert!(matches!(
        verify(&c.doc(), &c.opts()).unwrap_err(),
        E::CertificateExpired { position: 0, .. }
    ));
}

#[test]
fn not_yet_valid_leaf_is_refused() {
    let mut s = Specs::valid();
    s.leaf.not_before = now() + 600;
    let c = s.mint();
    let err = verify(&c.doc(), &c.opts()).unwrap_err();
    assert_eq!(
        err,
        E::CertificateNotYetValid {
            position: 2,
            not_before: s.leaf.not_before
        }
    );
}

#[test]
fn leaf_with_ca_true_is_refused() {
    let mut s = Specs::valid();
    s.leaf.basic_constraints = Some((true, None));
    let c = s.mint();
    assert_eq!(verify(&c.doc(), &c.opts()).unwrap_err(), E::LeafIsCa);
}

#[test]
fn intermediate_that_is_not_a_ca_cannot_issue_the_leaf() {
    let mut s = Specs::valid();
    s.inter.basic_constraints = Some((false, None));
    let c = s.mint();
    assert_eq!(
        verify(&c.doc(), &c.opts()).unwrap_err(),
        E::NotACa { position: 1 }
    );
}

#[test]
fn intermediate_without_basic_constraints_is_not_a_ca() {
    let mut s = Specs::valid();
    s.inter.basic_constraints = None;
    let c = s.mint();
    assert_eq!(
        verify(&c.doc(), &c.opts()).unwrap_err(),
        E::NotACa { position: 1 }
    );
}

#[test]
fn broken_path_length_is_refused() {
    // root -> inter (pathlen 0) -> inter2 -> leaf: inter may not have a CA below it.
    let s = Specs::valid();
    let c = s.mint();
    let inter2_key = EcdsaP384KeyPair::generate().unwrap();
    let t = now();
    let inter2_spec = CertSpec::intermediate("CN=second intermediate", t - 60, t + 86_400, 0);
    let inter2 = issue(
        &inter2_spec,
        &inter2_key.public_key_spki_der().unwrap(),
        INTER_DN,
        &c.inter_key,
    )
    .unwrap();
    let leaf = issue(
        &s.leaf,
        &c.leaf_key.public_key_spki_der().unwrap(),
        &inter2_spec.subject,
        &inter2_key,
    )
    .unwrap();
    let doc = c.doc_with(|f| {
        f.cabundle.push(inter2);
        f.certificate = leaf;
    });
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::PathLenExceeded { position: 1 }
    );
}

#[test]
fn ca_without_key_cert_sign_is_refused() {
    let mut s = Specs::valid();
    s.inter.key_usage = Some(key_usage::DIGITAL_SIGNATURE);
    let c = s.mint();
    assert_eq!(
        verify(&c.doc(), &c.opts()).unwrap_err(),
        E::MissingKeyUsage { position: 1 }
    );
}

#[test]
fn leaf_without_digital_signature_is_refused() {
    let mut s = Specs::valid();
    s.leaf.key_usage = Some(key_usage::KEY_CERT_SIGN);
    let c = s.mint();
    assert_eq!(
        verify(&c.doc(), &c.opts()).unwrap_err(),
        E::MissingKeyUsage { position: 2 }
    );
}

#[test]
fn garbage_certificate_in_the_cabundle_is_a_parse_error() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.cabundle[1] = vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::CertificateParse { position: 1 }
    );
}

#[test]
fn oversize_user_data_is_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.user_data = Some(vec![0; 1025]));
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::FieldLength {
            field: "user_data",
            len: 1025,
            min: 0,
            max: 1024
        }
    );
    // 1024 is the limit, and is accepted.
    verify(
        &c.doc_with(|f| f.user_data = Some(vec![0; 1024])),
        &c.opts(),
    )
    .unwrap();
}

#[test]
fn oversize_public_key_and_nonce_are_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.public_key = Some(vec![0; 1025]));
    assert!(matches!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::FieldLength {
            field: "public_key",
            ..
        }
    ));
    let doc = c.doc_with(|f| f.nonce = Some(vec![0; 1025]));
    assert!(matches!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::FieldLength { field: "nonce", .. }
    ));
}

#[test]
fn pcr_that_is_not_48_bytes_is_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| {
        f.pcrs.insert(5, vec![0; 32]);
    });
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::BadPcrLength { index: 5, len: 32 }
    );
}

#[test]
fn too_many_pcrs_or_an_index_past_31_is_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.pcrs = (0u16..33).map(|i| (i, vec![0; 48])).collect());
    assert_eq!(verify(&doc, &c.opts()).unwrap_err(), E::PcrCount(33));
    let doc = c.doc_with(|f| {
        f.pcrs.insert(32, vec![0; 48]);
    });
    assert_eq!(verify(&doc, &c.opts()).unwrap_err(), E::BadPcrIndex(32));
    let doc = c.doc_with(|f| f.pcrs = BTreeMap::new());
    assert_eq!(verify(&doc, &c.opts()).unwrap_err(), E::PcrCount(0));
}

#[test]
fn each_missing_mandatory_field_is_named() {
    let c = valid_chain();
    for field in [
        "module_id",
        "digest",
        "timestamp",
        "pcrs",
        "certificate",
        "cabundle",
    ] {
        let doc = c.doc_with_map(|m| remove(m, field));
        assert_eq!(
            verify(&doc, &c.opts()).unwrap_err(),
            E::MissingField(field),
            "{field}"
        );
    }
}

#[test]
fn optional_fields_may_be_absent_or_null() {
    let c = valid_chain();
    let doc = c.doc_with_map(|m| {
        remove(m, "public_key");
        remove(m, "user_data");
        set(m, "nonce", Value::Null);
    });
    let v = verify(&doc, &c.opts()).unwrap();
    assert_eq!((v.public_key, v.user_data, v.nonce), (None, None, None));
}

#[test]
fn wrong_field_types_are_named() {
    let c = valid_chain();
    let cases = [
        ("module_id", Value::Bytes(b"i-0".to_vec())),
        ("timestamp", Value::Text("now".into())),
        ("pcrs", Value::Array(vec![])),
        ("certificate", Value::Text("pem?".into())),
        ("cabundle", Value::Bytes(vec![1])),
        ("nonce", Value::Integer(7.into())),
    ];
    for (field, value) in cases {
        let doc = c.doc_with_map(|m| set(m, field, value));
        assert_eq!(
            verify(&doc, &c.opts()).unwrap_err(),
            E::WrongFieldType(field),
            "{field}"
        );
    }
}

#[test]
fn digest_other_than_sha384_is_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.digest = "SHA256".into());
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::UnsupportedDigest("SHA256".into())
    );
}

#[test]
fn unknown_and_duplicate_payload_fields_are_refused() {
    let c = valid_chain();
    let doc = c.doc_with_map(|m| m.push((Value::Text("debug".into()), Value::Bool(true))));
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::UnknownField("debug".into())
    );
    let doc = c.doc_with_map(|m| m.push((Value::Text("user_data".into()), Value::Null)));
    assert_eq!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::DuplicateField("user_data".into())
    );
}

#[test]
fn zero_timestamp_is_refused() {
    let c = valid_chain();
    assert_eq!(
        verify(&c.doc_with(|f| f.timestamp_ms = 0), &c.opts()).unwrap_err(),
        E::ZeroTimestamp
    );
}

#[test]
fn trailing_bytes_after_the_cose_structure_are_refused() {
    let c = valid_chain();
    let mut doc = c.doc();
    doc.push(0x00);
    assert_eq!(verify(&doc, &c.opts()).unwrap_err(), E::TrailingBytes);
}

#[test]
fn trailing_bytes_after_the_payload_map_are_refused() {
    let c = valid_chain();
    let mut payload = c.fields().encode().unwrap();
    payload.push(0xf6);
    let doc = sign_payload(payload, &c.leaf_key).unwrap();
    assert_eq!(verify(&doc, &c.opts()).unwrap_err(), E::TrailingBytes);
}

#[test]
fn document_over_262144_bytes_is_refused_before_parsing() {
    let c = valid_chain();
    let huge = vec![0u8; 262_145];
    assert_eq!(
        verify(&huge, &c.opts()).unwrap_err(),
        E::TooLarge {
            len: 262_145,
            max: 262_144
        }
    );
}

#[test]
fn empty_cabundle_is_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.cabundle.clear());
    assert_eq!(verify(&doc, &c.opts()).unwrap_err(), E::EmptyCabundle);
}

#[test]
fn document_older_than_max_age_is_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.timestamp_ms = (now() - 600) * 1000);
    assert!(matches!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::DocumentTooOld { .. }
    ));
    let mut opts = c.opts();
    opts.max_age = Some(Duration::from_secs(900));
    verify(&doc, &opts).unwrap();
    opts.max_age = None;
    verify(&doc, &opts).unwrap();
}

#[test]
fn document_from_the_future_beyond_the_skew_is_refused() {
    let c = valid_chain();
    let doc = c.doc_with(|f| f.timestamp_ms = (now() + 900) * 1000);
    assert!(matches!(
        verify(&doc, &c.opts()).unwrap_err(),
        E::DocumentFromFuture { .. }
    ));
    let doc = c.doc_with(|f| f.timestamp_ms = (now() + 60) * 1000);
    verify(&doc, &c.opts()).unwrap();
}

#[test]
fn tag_18_is_accepted_and_other_tags_are_refused() {
    let c = valid_chain();
    let mut tagged = vec![0xd2];
    tagged.extend(c.doc());
    verify(&tagged, &c.opts()).unwrap();
    let mut wrong = vec![0xd1]; // tag 17 (COSE_Mac0)
    wrong.extend(c.doc());
    assert_eq!(verify(&wrong, &c.opts()).unwrap_err(), E::UnexpectedTag(17));
}

#[test]
fn malformed_envelopes_are_malformed_cose() {
    let c = valid_chain();
    let (p, payload, s) = parts(&c.doc());
    let three = {
        let mut out = Vec::new();
        ciborium::into_writer(
            &Value::Array(vec![
                Value::Bytes(p.clone()),
                Value::Map(vec![]),
                Value::Bytes(payload.clone()),
            ]),
            &mut out,
        )
        .unwrap();
        out
    };
    assert!(matches!(
        verify(&three, &c.opts()).unwrap_err(),
        E::MalformedCose(_)
    ));
    let detached = {
        let mut out = Vec::new();
        let v = Value::Array(vec![
            Value::Bytes(p),
            Value::Map(vec![]),
            Value::Null,
            Value::Bytes(s),
        ]);
        ciborium::into_writer(&v, &mut out).unwrap();
        out
    };
    assert_eq!(
        verify(&detached, &c.opts()).unwrap_err(),
        E::MalformedCose("detached payload")
    );
    assert!(matches!(
        verify(&[0xff], &c.opts()).unwrap_err(),
        E::MalformedCose(_)
    ));
    assert!(matches!(
        verify(&[], &c.opts()).unwrap_err(),
        E::MalformedCose(_)
    ));
}

/// Re-encodes a definite-length CBOR map header as indefinite-length: `a9 ...` -> `bf ... ff`.
fn indefinite_map(definite: &[u8]) -> Vec<u8> {
    assert_eq!(definite[0], 0xa9, "the payload map has 9 entries");
    let mut out = vec![0xbf];
    out.extend_from_slice(&definite[1..]);
    out.push(0xff);
    out
}

#[test]
fn indefinite_length_payload_is_verified_over_the_bytes_as_received() {
    let c = valid_chain();
    let definite = c.fields().encode().unwrap();
    let indefinite = indefinite_map(&definite);
    // Signed over the indefinite bytes: verifies.
    let doc = sign_payload(indefinite.clone(), &c.leaf_key).unwrap();
    let v = verify(&doc, &c.opts()).unwrap();
    assert_eq!(v.user_data.as_deref(), Some(&b"user"[..]));
    // Signed over the canonical re-encoding but carrying the indefinite bytes: a verifier that
    // re-encoded would accept this; ours must not.
    let protected = [0xa1, 0x01, 0x38, 0x22];
    let sig = c
        .leaf_key
        .sign(
            &sig_structure(&protected, &definite),
            SignatureEncoding::Fixed,
        )
        .unwrap();
    let mismatched = cose(&protected, &indefinite, &sig);
    assert_eq!(
        verify(&mismatched, &c.opts()).unwrap_err(),
        E::DocumentSignatureInvalid
    );
}

#[test]
fn every_truncation_of_a_valid_document_is_refused_without_panic() {
    let c = valid_chain();
    let doc = c.doc();
    for len in 0..doc.len() {
        assert!(
            verify(&doc[..len], &c.opts()).is_err(),
            "prefix of {len} bytes verified"
        );
    }
}
