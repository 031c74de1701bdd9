#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test
//! Hostile `Recipient`s against the real enclave: every attestation document an attacker (or a
//! broken application) could send instead of a fresh one binding an RSA-2048+ key, each refused
//! with the exact status, `__type` and message, and never answered with `Plaintext` or
//! `CiphertextForRecipient`.
//!
//! Each test starts its own enclave trusting the simulated root of its world. Documents are made
//! by that world's simulated NSM, or forged with the NSM's own leaf key (read from the world, as
//! an attacker inside it would) when the NSM would refuse to make them; cross-world cases use a
//! second world whose root the enclave was not told to trust. Every refused document is sent to
//! all four operations that accept a `Recipient` (GenerateDataKey, Decrypt, GenerateRandom,
//! GenerateDataKeyPair). The complete matrix, with the verifier-level cases of
//! `common/attest/tests/attestation_tampering.rs`, is in `SECURITY.md` ("Hostile attestation documents").

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nitro_kms_attest::attestation::build::build_document;
use nitro_kms_attest::attestation::payload::Payload;
use nitro_kms_attest::attestation::{TrustAnchor, parse_unverified};
use nitro_kms_attest::nsm::simulated::SimulatedNsm;
use nitro_kms_attest::recipient::{self, RecipientError};
use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, RsaKeySize, RsaPrivateKey};
use nitro_kms_tests::enclave::{ALICE, Enclave, Reply, key_arn};
use nitro_kms_tests::openssl;
use nitro_kms_tests::recipient::{
    app, attest, attested_only_policy, b64, recipient_member, simulated_nsm,
};
use serde_json::{Value, json};

/// The image of the legitimate application: PCR0 is its SHA-384.
const IMAGE: &[u8] = b"hostile-recipient enclave image";
/// What the fixture encrypts, for Decrypt.
const SECRET: &[u8] = b"the secret the key protects";
/// The prefix of every refusal of a document that was read but failed a check.
const INVALID: &str = "The attestation document in Recipient is not valid: ";
/// The refusal of a public_key the enclave cannot wrap for.
const NOT_RSA_2048: &str = "the document's public_key is not an RSA key of at least 2048 bits";

/// An enclave with one symmetric key and a ciphertext under it (made under the default policy).
struct Fixture {
    dir: tempfile::TempDir,
    enclave: Enclave,
    key: String,
    ciphertext: Value,
}

impl Fixture {
    async fn start() -> Fixture {
        Self::start_with(&[]).await
    }

    async fn start_with(extra: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let enclave =
            Enclave::start(&dir.path().join("world"), &dir.path().join("parent"), extra).await;
        let key = enclave.create_key().await;
        let encrypted = enclave
            .call("Encrypt", &json!({"KeyId": key, "Plaintext": b64(SECRET)}))
            .await;
        let ciphertext = encrypted.ok()["CiphertextBlob"].clone();
        Fixture {
            dir,
            enclave,
            key,
            ciphertext,
        }
    }

    /// The world whose simulated root the enclave trusts.
    fn world(&self) -> PathBuf {
        self.dir.path().join("world")
    }

    /// A second world, with its own root, that the enclave does not trust.
    fn other_world(&self) -> PathBuf {
        self.dir.path().join("other-world")
    }

    /// The trusted world's NSM, booted with [`IMAGE`].
    fn nsm(&self) -> SimulatedNsm {
        simulated_nsm(&self.world(), Some(IMAGE), 0)
    }

    /// A document of the trusted world's NSM binding `public_key` (any bytes, or none).
    fn document_binding(&self, public_key: Option<&[u8]>) -> Vec<u8> {
        attest(&self.nsm(), public_key)
    }

    /// A document of the trusted world's NSM binding a fresh RSA-2048 key: valid in every way.
    fn valid_document(&self) -> Vec<u8> {
        let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
        self.document_binding(Some(key.public_key_spki_der()))
    }

    /// The four operations that accept a `Recipient`, each sent with `recipient`.
    async fn replies(&self, recipient: &Value) -> Vec<(&'static str, Reply)> {
        let requests = [
            (
                "GenerateDataKey",
                json!({"KeyId": self.key, "KeySpec": "AES_256", "Recipient": recipient}),
            ),
            (
                "Decrypt",
                json!({"CiphertextBlob": self.ciphertext, "Recipient": recipient}),
            ),
            (
                "GenerateRandom",
                json!({"NumberOfBytes": 32, "Recipient": recipient}),
            ),
            (
                "GenerateDataKeyPair",
                json!({"KeyId": self.key, "KeyPairSpec": "ECC_NIST_P256", "Recipient": recipient}),
            ),
        ];
        let mut replies = Vec::new();
        for (op, body) in requests {
            replies.push((op, self.enclave.call(op, &body).await));
        }
        replies
    }

    /// Asserts that every operation refuses `recipient` with 400 `error_type` and a message that
    /// `message_ok` accepts, returning no secret.
    async fn assert_refused_as(
        &self,
        recipient: &Value,
        error_type: &str,
        message_ok: impl Fn(&str) -> bool,
    ) {
        for (op, reply) in self.replies(recipient).await {
            assert_eq!(
                (reply.status, reply.error_type()),
                (400, error_type),
                "{op}: {}",
                reply.body
            );
            assert!(message_ok(reply.message()), "{op}: {}", reply.body);
            assert_no_secret(op, &reply);
        }
    }

    /// Asserts that every operation refuses `recipient` with 400 `error_type` and exactly
    /// `message`.
    async fn assert_refused(&self, recipient: &Value, error_type: &str, message: &str) {
        self.assert_refused_as(recipient, error_type, |m| m == message)
            .await;
    }

    /// Asserts that every operation refuses `document` as invalid because of `reason` (the text
    /// the verifier or the key check gives).
    async fn assert_document_refused(&self, document: &[u8], reason: &str) {
        self.assert_refused(
            &recipient_member(document),
            "ValidationException",
            &format!("{INVALID}{reason}"),
        )
        .await;
    }

    /// Asserts that every operation refuses a fresh document binding `public_key` as a key the
    /// enclave cannot wrap for.
    async fn assert_key_refused(&self, public_key: &[u8]) {
        self.assert_document_refused(&self.document_binding(Some(public_key)), NOT_RSA_2048)
            .await;
    }

    /// Sends `op` (on the fixture's key, or its ciphertext for Decrypt) with a `Recipient`
    /// carrying `document`.
    async fn call_with(&self, op: &str, document: &[u8]) -> Reply {
        let body = match op {
            "Decrypt" => json!({"CiphertextBlob": self.ciphertext}),
            "GenerateRandom" => json!({"NumberOfBytes": 32}),
            _ => json!({"KeyId": self.key, "KeySpec": "AES_256"}),
        };
        let mut body = body.as_object().unwrap().clone();
        body.insert("Recipient".into(), recipient_member(document));
        self.enclave.call(op, &Value::Object(body)).await
    }
}

/// Starts an enclave and asserts that every operation refuses, for `reason`, what `change` makes
/// of a valid document of the enclave's world.
async fn assert_changed_document_refused(
    reason: &str,
    change: impl FnOnce(&Fixture, Vec<u8>) -> Vec<u8>,
) {
    let f = Fixture::start().await;
    let document = change(&f, f.valid_document());
    f.assert_document_refused(&document, reason).await;
}

#[track_caller]
fn assert_no_secret(op: &str, reply: &Reply) {
    for member in ["Plaintext", "CiphertextForRecipient", "PrivateKeyPlaintext"] {
        assert!(
            reply.body.get(member).is_none(),
            "{op} returned {member}: {}",
            reply.body
        );
    }
}

/// AWS's AccessDeniedException text for ALICE doing `op` on `key` without an allowing statement.
fn denied(op: &str, key: &str) -> String {
    format!(
        "User: {ALICE} is not authorized to perform: kms:{op} on resource: {} because no resource-based policy allows the kms:{op} action",
        key_arn(key)
    )
}

/// The seconds `x` in a refusal `INVALID + before + x + after` (a `Duration` printed with `{:?}`).
fn seconds_between(message: &str, before: &str, after: &str) -> Option<f64> {
    message
        .strip_prefix(INVALID)?
        .strip_prefix(before)?
        .strip_suffix(after)?
        .parse()
        .ok()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

// --- keys the enclave must not wrap for ------------------------------------------------------

/// A DER SubjectPublicKeyInfo made by `openssl genpkey <args>` in `dir`.
fn openssl_spki(dir: &Path, genpkey_args: &[&str]) -> Vec<u8> {
    let pem = dir.join("key.pem").display().to_string();
    let der = dir.join("key.spki.der").display().to_string();
    let mut args = vec!["genpkey"];
    args.extend_from_slice(genpkey_args);
    args.extend_from_slice(&["-out", &pem]);
    openssl(&args);
    openssl(&[
        "pkey", "-in", &pem, "-pubout", "-outform", "DER", "-out", &der,
    ]);
    std::fs::read(&der).unwrap()
}

/// Starts an enclave and asserts that a document binding the key `openssl genpkey <args>` makes
/// is refused everywhere as not RSA-2048+; `is_meant` first checks that the SPKI is the kind the
/// test means to send.
async fn assert_openssl_key_refused(genpkey_args: &[&str], is_meant: impl Fn(&[u8]) -> bool) {
    let f = Fixture::start().await;
    let spki = openssl_spki(f.dir.path(), genpkey_args);
    assert!(
        is_meant(&spki),
        "not the intended SPKI: {}",
        crypto::hex_lower(&spki)
    );
    f.assert_key_refused(&spki).await;
}

/// DER tag-length-value.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (be.len() - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A DER INTEGER of the unsigned big-endian `magnitude`.
fn der_uint(magnitude: &[u8]) -> Vec<u8> {
    let mut content = Vec::new();
    if magnitude[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(magnitude);
    der(0x02, &content)
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus, publicExponent }`.
fn pkcs1_rsa_public_key(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    der(0x30, &[der_uint(modulus), der_uint(exponent)].concat())
}

/// An rsaEncryption SubjectPublicKeyInfo of `modulus` and `exponent`, laid out as aws-lc and
/// OpenSSL write them.
fn rsa_spki(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    const RSA_ENCRYPTION: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let algorithm = der(
        0x30,
        &[der(0x06, &RSA_ENCRYPTION), vec![0x05, 0x00]].concat(),
    );
    let key_bits = [&[0u8][..], &pkcs1_rsa_public_key(modulus, exponent)].concat();
    der(0x30, &[algorithm, der(0x03, &key_bits)].concat())
}

/// The 256-byte modulus of an RSA-2048 SPKI with exponent 65537.
fn modulus_2048(spki: &[u8]) -> &[u8] {
    let end = spki.len() - 5;
    assert_eq!(&spki[end..], [0x02, 0x03, 0x01, 0x00, 0x01], "e = 65537");
    &spki[end - 256..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_key_of_random_bytes_is_refused_as_not_rsa() {
    let f = Fixture::start().await;
    let mut junk = vec![0u8; 294]; // the length of an RSA-2048 SPKI
    crypto::fill_random(&mut junk).unwrap();
    f.assert_key_refused(&junk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec_p256_public_key_in_place_of_rsa_is_refused() {
    // SEQUENCE { SEQUENCE { OID id-ecPublicKey, OID prime256v1 } BIT STRING (65 bytes) }
    let args = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    assert_openssl_key_refused(&args, |s| s.starts_with(&[0x30, 0x59, 0x30, 0x13])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ed25519_public_key_in_place_of_rsa_is_refused() {
    // SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (32 bytes) }
    let ed25519 = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
    assert_openssl_key_refused(&["-algorithm", "ED25519"], |s| s.starts_with(&ed25519)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_1024_key_is_refused_as_too_small() {
    let args = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"];
    assert_openssl_key_refused(&args, |s| s.len() == 162).await; // an RSA-1024 SPKI
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_2047_key_one_bit_short_is_refused() {
    // 2048-bit SPKIs are 294 bytes; a 2047-bit modulus needs no leading zero octet.
    let args = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2047"];
    assert_openssl_key_refused(&args, |s| s.len() == 293).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_2048_key_with_public_exponent_1_is_refused() {
    // With e = 1 "encryption" is the identity: the OAEP-padded content key would travel in clear.
    let f = Fixture::start().await;
    let real = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let modulus = modulus_2048(real.public_key_spki_der());
    assert_eq!(
        rsa_spki(modulus, &[0x01, 0x00, 0x01]),
        real.public_key_spki_der(),
        "the SPKI builder writes what aws-lc writes"
    );
    f.assert_key_refused(&rsa_spki(modulus, &[0x01])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_pkcs1_rsa_public_key_without_the_spki_wrapper_is_refused() {
    let f = Fixture::start().await;
    let real = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let pkcs1 = pkcs1_rsa_public_key(modulus_2048(real.public_key_spki_der()), &[1, 0, 1]);
    f.assert_key_refused(&pkcs1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_pss_only_key_is_refused_for_encryption() {
    // id-RSASSA-PSS keys are for PSS signatures only (RFC 4055 section 1.2), never for OAEP.
    let args = ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"];
    let pss_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
    ];
    assert_openssl_key_refused(&args, |s| s.windows(11).any(|w| w == pss_oid)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x509_certificate_in_place_of_a_public_key_is_refused() {
    let f = Fixture::start().await;
    let certificate = parse_unverified(&f.valid_document()).unwrap().certificate;
    f.assert_key_refused(&certificate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_without_a_public_key_is_refused() {
    let reason = "the document has no public_key to encrypt to";
    assert_changed_document_refused(reason, |f, _| f.document_binding(None)).await;
}

// --- forged (signed with a simulated NSM's own leaf key), aged and foreign documents ---------

/// The document-signing key of `world`'s simulated NSM.
fn leaf_key(world: &Path) -> EcdsaP384KeyPair {
    EcdsaP384KeyPair::from_pkcs8_der(&std::fs::read(world.join("leaf.key")).unwrap()).unwrap()
}

/// `document`'s payload, edited by `edit`, signed again with `signer_world`'s leaf key.
fn reforge(document: &[u8], signer_world: &Path, edit: impl FnOnce(&mut Payload)) -> Vec<u8> {
    let p = parse_unverified(document).unwrap();
    let mut fields = Payload {
        module_id: p.module_id,
        digest: p.digest,
        timestamp_ms: p.timestamp_ms,
        pcrs: p.pcrs,
        certificate: p.certificate,
        cabundle: p.cabundle,
        public_key: p.public_key,
        user_data: p.user_data,
        nonce: p.nonce,
    };
    edit(&mut fields);
    build_document(&fields, &leaf_key(signer_world)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_8192_key_overflows_the_1024_byte_public_key_field() {
    // The NSM itself refuses to bind more than 1024 bytes; a forger signs it anyway.
    let spki = rsa_spki(&[0xc7; 1024], &[1, 0, 1]);
    let reason = format!(
        "payload field `public_key` is {} bytes (allowed 0..=1024)",
        spki.len()
    );
    assert_changed_document_refused(&reason, |f, d| {
        reforge(&d, &f.world(), |d| d.public_key = Some(spki))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_just_inside_the_max_age_is_accepted_and_one_beyond_it_is_refused() {
    let f = Fixture::start().await;
    let app_key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let fresh = f.document_binding(Some(app_key.public_key_spki_der()));
    let aged = |secs: u64| {
        reforge(&fresh, &f.world(), |d| {
            d.timestamp_ms = now_ms() - secs * 1000
        })
    };
    let inside = f.call_with("GenerateRandom", &aged(290)).await;
    recipient::decrypt(&inside.blob("CiphertextForRecipient"), &app_key).unwrap();
    // The default maximum age is 300 s. The age is printed as measured (e.g. `301.004s`).
    f.assert_refused_as(&recipient_member(&aged(301)), "ValidationException", |m| {
        seconds_between(m, "document is ", "s old, over the maximum age 300s")
            .is_some_and(|age| (301.0..330.0).contains(&age))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_stamped_beyond_the_clock_skew_in_the_future_is_refused() {
    let f = Fixture::start().await;
    let future = reforge(&f.valid_document(), &f.world(), |d| {
        d.timestamp_ms = now_ms() + 600_000
    });
    f.assert_refused_as(&recipient_member(&future), "ValidationException", |m| {
        seconds_between(
            m,
            "document timestamp is ",
            "s in the future, over the allowed skew 300s",
        )
        .is_some_and(|ahead| (570.0..=600.0).contains(&ahead))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_document_is_refused_once_past_the_max_age_though_it_verified_before() {
    // The enclave remembers documents it verified; the cache must not outlive their age.
    let f = Fixture::start_with(&["--max-document-age-secs", "3"]).await;
    let app_key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let document = f.document_binding(Some(app_key.public_key_spki_der()));
    let first = f.call_with("GenerateRandom", &document).await;
    recipient::decrypt(&first.blob("CiphertextForRecipient"), &app_key).unwrap();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    f.assert_refused_as(&recipient_member(&document), "ValidationException", |m| {
        seconds_between(m, "document is ", "s old, over the maximum age 3s")
            .is_some_and(|age| (3.5..30.0).contains(&age))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_from_another_simulated_world_is_refused_as_not_pinned() {
    let reason = "certificate chain does not start at the pinned root";
    assert_changed_document_refused(reason, |f, _| app(&f.other_world(), IMAGE, 0).document).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaf_of_another_world_spliced_under_the_trusted_chain_is_refused() {
    // Both worlds name their CAs alike, so only the signature on the leaf gives the splice away.
    assert_changed_document_refused("certificate 4 has an invalid signature", |f, d| {
        let trusted_bundle = parse_unverified(&d).unwrap().cabundle;
        let stranger = app(&f.other_world(), IMAGE, 0);
        reforge(&stranger.document, &f.other_world(), |d| {
            d.cabundle = trusted_bundle
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusted_chain_signed_by_another_worlds_leaf_key_is_refused() {
    assert_changed_document_refused("document signature is invalid", |f, d| {
        app(&f.other_world(), IMAGE, 0);
        reforge(&d, &f.other_world(), |_| {})
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_chain_claiming_the_aws_nitro_root_is_refused() {
    // cabundle[0] is the real AWS root, so the AWS verifier walks the chain and finds that the
    // next certificate was not issued by it.
    let reason = "certificate 1 was not issued by the certificate above it (issuer name mismatch)";
    assert_changed_document_refused(reason, |f, d| {
        reforge(&d, &f.world(), |d| {
            d.cabundle[0] = TrustAnchor::aws_nitro_root_g1().der().to_vec()
        })
    })
    .await;
}

// --- documents the verifier cannot read --------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_document_is_refused_as_malformed_cose() {
    assert_changed_document_refused("malformed COSE_Sign1: not valid CBOR", |_, d| {
        d[..d.len() / 2].to_vec()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cose_sign1_declaring_ps256_instead_of_es384_is_refused() {
    let reason = "unsupported COSE algorithm (only ES384 is accepted)";
    assert_changed_document_refused(reason, |_, mut d| {
        // array(4), bstr(4) { 1: -35 }: -35 is 0x38 0x22; -37 (PS256, RSASSA-PSS) is 0x38 0x24.
        assert_eq!(&d[..6], [0x84, 0x44, 0xa1, 0x01, 0x38, 0x22]);
        d[5] = 0x24;
        d
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_tagged_as_cose_mac0_is_refused() {
    let reason = "unexpected CBOR tag 17 (expected none or 18)";
    // Tag 17 is COSE_Mac0.
    assert_changed_document_refused(reason, |_, d| [&[0xd1][..], &d].concat()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x509_certificate_sent_as_the_document_is_refused() {
    // DER starts with 0x30, which CBOR reads as the integer -17 followed by trailing bytes.
    assert_changed_document_refused("trailing bytes after the CBOR item", |_, d| {
        parse_unverified(&d).unwrap().certificate
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_padded_to_exactly_the_size_limit_is_refused_for_trailing_bytes() {
    assert_changed_document_refused("trailing bytes after the CBOR item", |_, mut d| {
        d.resize(262_144, 0);
        d
    })
    .await;
}

// --- Recipient members the model refuses -----------------------------------------------------

/// Starts an enclave and asserts that every operation refuses, by the model's length constraint
/// on `AttestationDocument` (AWS's wording, ending in `constraint`), what `change` makes of a valid
/// document.
async fn assert_document_length_refused(change: impl FnOnce(Vec<u8>) -> Vec<u8>, constraint: &str) {
    let f = Fixture::start().await;
    let document = change(f.valid_document());
    let len = document.len();
    let message = format!(
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={len} cap={len}]' at 'recipient.attestationDocument' failed to satisfy constraint: Member must have length {constraint}"
    );
    f.assert_refused(
        &recipient_member(&document),
        "ValidationException",
        &message,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_over_262144_bytes_is_refused_by_the_model_length() {
    let over = |mut d: Vec<u8>| {
        d.resize(262_145, 0);
        d
    };
    assert_document_length_refused(over, "less than or equal to 262144").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_attestation_document_is_refused_by_the_model_length() {
    assert_document_length_refused(|_| Vec::new(), "greater than or equal to 1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipient_without_an_attestation_document_is_refused() {
    let f = Fixture::start().await;
    f.assert_refused(
        &json!({"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
        "ValidationException",
        "Recipient.AttestationDocument is required.",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_encryption_algorithm_other_than_rsaes_oaep_sha_256_is_refused() {
    let f = Fixture::start().await;
    let document = b64(&f.valid_document());
    // SHA-1 OAEP, another protocol's name, and the right name in the wrong case.
    for algorithm in ["RSAES_OAEP_SHA_1", "RSAES_PKCS1_V1_5", "rsaes_oaep_sha_256"] {
        f.assert_refused(
            &json!({"KeyEncryptionAlgorithm": algorithm, "AttestationDocument": document}),
            "ValidationException",
            &format!(
                "1 validation error detected: Value '{algorithm}' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]"
            ),
        )
        .await;
    }
}

// --- authentic documents the key policy or the recipient's key must still stop ---------------

/// A key policy that allows GenerateDataKey and Decrypt only to the real image's PCR0.
fn real_pcr0_policy() -> String {
    attested_only_policy(
        "kms:RecipientAttestation:PCR0",
        &crypto::hex_lower(&crypto::sha384(IMAGE)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_mode_document_with_all_zero_pcrs_is_denied_by_a_real_pcr0_policy() {
    let f = Fixture::start().await;
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": f.key, "PolicyName": "default", "Policy": real_pcr0_policy()}),
        )
        .await
        .ok();
    let app_key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let spki = Some(app_key.public_key_spki_der());
    // The same world's NSM booted without an image: a debug-mode enclave, every PCR zero.
    let debug = attest(&simulated_nsm(&f.world(), None, 0), spki);
    let pcrs = parse_unverified(&debug).unwrap().pcrs;
    assert!(pcrs.values().all(|v| v == &[0u8; 48]), "{pcrs:?}");
    let real = f.document_binding(spki);
    for op in ["GenerateDataKey", "Decrypt"] {
        // The real image is admitted: the policy, not the document, is what refuses below.
        let admitted = f.call_with(op, &real).await;
        recipient::decrypt(&admitted.blob("CiphertextForRecipient"), &app_key).unwrap();
        let reply = f.call_with(op, &debug).await;
        reply.assert_error(400, "AccessDeniedException", &denied(op, &f.key));
        assert_no_secret(op, &reply);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_mode_document_with_pcr0_patched_to_the_real_image_fails_its_signature() {
    let f = Fixture::start().await;
    let app_key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let mut debug = attest(
        &simulated_nsm(&f.world(), None, 0),
        Some(app_key.public_key_spki_der()),
    );
    // pcrs entry 0: uint 0, bstr(48) of zeros -> the real image's hash, without signing again.
    let at = debug
        .windows(51)
        .position(|w| w[..3] == [0x00, 0x58, 0x30] && w[3..].iter().all(|b| *b == 0))
        .unwrap();
    debug[at + 3..at + 51].copy_from_slice(&crypto::sha384(IMAGE));
    assert_eq!(
        parse_unverified(&debug).unwrap().pcrs[&0],
        crypto::sha384(IMAGE)
    );
    f.assert_document_refused(&debug, "document signature is invalid")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_fresh_document_serves_decrypt_and_generate_random_for_its_own_key_only() {
    // Reuse within the maximum age is allowed: whoever replays the document gets only envelopes
    // for the key inside it.
    let f = Fixture::start().await;
    let good = app(&f.world(), IMAGE, 0);
    let decrypted = f.call_with("Decrypt", &good.document).await;
    let random = f.call_with("GenerateRandom", &good.document).await;
    for reply in [&decrypted, &random] {
        assert!(reply.ok().get("Plaintext").is_none(), "{}", reply.body);
    }
    let for_decrypt = decrypted.blob("CiphertextForRecipient");
    let for_random = random.blob("CiphertextForRecipient");
    assert_eq!(
        recipient::decrypt(&for_decrypt, &good.key)
            .unwrap()
            .expose(),
        SECRET
    );
    assert_eq!(
        recipient::decrypt(&for_random, &good.key).unwrap().len(),
        32
    );
    let replayer = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    for envelope in [&for_decrypt, &for_random] {
        assert_eq!(
            recipient::decrypt(envelope, &replayer).unwrap_err(),
            RecipientError::WrongRecipient
        );
    }
}
