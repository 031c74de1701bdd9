#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One test per error row of `shared/spec/aws-kms-behaviour.md` ("Protocol", "Messages seen from
//! real AWS") and per row of `shared/spec/aws-kms-real-errors.txt` that concerns an operation this
//! service implements, through the frame protocol against the real simulated enclave: status,
//! `__type` and the exact message.
//!
//! Rows not covered here, on purpose, because they belong to operations this service does not
//! implement (the design's list): key import (`*-import-*`, `pending import`,
//! `get-import-parameters-error`), key rotation (`rotate-key-on-demand-*`,
//! `test_key_rotations_*`, the rotate rows for disabled and missing keys), replication (`fail-replicate-non-primary-key`) and DeriveSharedSecret
//! (`response-invalid-key-usage`, `response-invalid-key-agreement-algo`, `response-invalid-key`,
//! `response-invalid-public-key`). The GenerateMac/VerifyMac rows (`*-mac-*`) are in
//! `enclave_hmac.rs`. The Sign/Verify rows (`bad-digest`, `bad-signature`,
//! `sign-invalid-key-id`, `verify-invalid-key-id`) are in `enclave_sign.rs`. The DeriveSharedSecret row `response-invalid-key-spec` is a
//! CreateKey error and is covered. The `test_encrypt_validate_plaintext_size_per_key_type` rows
//! (RSAES-OAEP plaintext limits) concern Encrypt under RSA keys, which this service refuses by
//! design ("asymmetric key -> InvalidKeyUsageException"); what it answers instead is pinned by
//! `encrypt_with_an_rsa_encryption_key_is_refused_as_invalid_key_usage`.

use base64::Engine;
use nitro_kms_tests::enclave::{ALICE, Enclave, MALLORY, alias_arn, key_arn};
use serde_json::{Value, json};

/// A well-formed key id that no test enclave ever has.
const NEVER_KEY: &str = "0b1c8a44-2b3c-4d5e-8f90-123456789abc";

const INCORRECT_KEY: &str =
    "The key ID in the request does not identify a CMK that can perform this operation.";

struct Fixture {
    _dir: tempfile::TempDir,
    enclave: Enclave,
    /// A symmetric encryption key of the enclave.
    key: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let key = enclave.create_key().await;
    assert!(!key.is_empty());
    Fixture {
        _dir: dir,
        enclave,
        key,
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Fixture {
    async fn create(&self, body: Value) -> String {
        let reply = self.enclave.call("CreateKey", &body).await;
        reply.ok()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn encrypt(&self, body: Value) -> Value {
        self.enclave.call("Encrypt", &body).await.ok()["CiphertextBlob"].clone()
    }
}

fn number_of_bytes_too_small(n: i64) -> String {
    format!(
        "1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"
    )
}

fn number_of_bytes_too_large(n: i64) -> String {
    format!(
        "1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
    )
}

// ---- GenerateRandom / GenerateDataKey sizes --------------------------------------------------

// generate-random-exc [None]: "GenerateRandom without it: `NumberOfBytes is required.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_random_without_number_of_bytes_is_number_of_bytes_required() {
    let f = fixture().await;
    f.enclave
        .call("GenerateRandom", &json!({}))
        .await
        .assert_error(400, "ValidationException", "NumberOfBytes is required.");
}

// generate-random-exc [0] and [1025]; the bounds themselves succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_random_number_of_bytes_0_or_1025_is_out_of_range() {
    let f = fixture().await;
    f.enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 0}))
        .await
        .assert_error(400, "ValidationException", &number_of_bytes_too_small(0));
    f.enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 1025}))
        .await
        .assert_error(400, "ValidationException", &number_of_bytes_too_large(1025));
    for n in [1, 1024] {
        let reply = f
            .enclave
            .call("GenerateRandom", &json!({"NumberOfBytes": n}))
            .await;
        assert_eq!(reply.blob("Plaintext").len(), n);
    }
}

// "NumberOfBytes out of range" on the data key operations ("NumberOfBytes=1025 ... arrive").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_number_of_bytes_0_or_1025_is_out_of_range() {
    let f = fixture().await;
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
        f.enclave
            .call(op, &json!({"KeyId": f.key, "NumberOfBytes": 1025}))
            .await
            .assert_error(400, "ValidationException", &number_of_bytes_too_large(1025));
        f.enclave
            .call(op, &json!({"KeyId": f.key, "NumberOfBytes": 0}))
            .await
            .assert_error(400, "ValidationException", &number_of_bytes_too_small(0));
        f.enclave
            .call(op, &json!({"KeyId": f.key, "NumberOfBytes": 1024}))
            .await
            .ok();
    }
}

// "Both or neither KeySpec/NumberOfBytes: ValidationException; widely reproduced text
// `Please specify either number of bytes or key spec.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_needs_exactly_one_of_key_spec_and_number_of_bytes() {
    let f = fixture().await;
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
        for body in [
            json!({"KeyId": f.key}),
            json!({"KeyId": f.key, "KeySpec": "AES_256", "NumberOfBytes": 32}),
        ] {
            f.enclave.call(op, &body).await.assert_error(
                400,
                "ValidationException",
                "Please specify either number of bytes or key spec.",
            );
        }
    }
}

// "a bad KeySpec ... arrive[s]": the server must check it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_with_an_unknown_key_spec_lists_the_accepted_specs() {
    let f = fixture().await;
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
        // message not recorded from AWS (the format is the recorded enum-set format)
        f.enclave
            .call(op, &json!({"KeyId": f.key, "KeySpec": "AES_512"}))
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]",
            );
    }
}

// "11 grant tokens ... arrive": GrantTokens has at most 10 members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_grant_tokens_are_a_validation_error() {
    let f = fixture().await;
    let tokens: Vec<String> = (1..=11).map(|i| format!("t{i}")).collect();
    // message not recorded from AWS (Java's List.toString of the value, as for other lists)
    let message = "1 validation error detected: Value '[t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10";
    for (op, body) in [
        (
            "GenerateDataKey",
            json!({"KeyId": f.key, "KeySpec": "AES_256", "GrantTokens": tokens}),
        ),
        (
            "Encrypt",
            json!({"KeyId": f.key, "Plaintext": "AQID", "GrantTokens": tokens}),
        ),
        (
            "Decrypt",
            json!({"CiphertextBlob": "AQID", "GrantTokens": tokens}),
        ),
        (
            "DescribeKey",
            json!({"KeyId": f.key, "GrantTokens": tokens}),
        ),
    ] {
        f.enclave
            .call(op, &body)
            .await
            .assert_error(400, "ValidationException", message);
    }
    // Ten are fine, when each is a token this service made (issue 18: others are
    // InvalidGrantTokenException, pinned in enclave_grants.rs).
    let grant = f
        .enclave
        .call(
            "CreateGrant",
            &json!({"KeyId": f.key, "GranteePrincipal": "arn:aws:iam::111122223333:user/bob", "Operations": ["GenerateDataKey"]}),
        )
        .await;
    let token = grant.ok()["GrantToken"].clone();
    f.enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": f.key, "KeySpec": "AES_256", "GrantTokens": vec![token; 10]}),
        )
        .await
        .ok();
}

// ---- Key identifiers ------------------------------------------------------------------------

// describe-nonexistent-key-with-id: "Unknown key: NotFoundException
// `Key 'arn:aws:kms:REGION:ACCOUNT:key/ID' does not exist`".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_id_is_not_found_with_its_arn() {
    let f = fixture().await;
    let message = format!("Key '{}' does not exist", key_arn(NEVER_KEY));
    for (op, body) in [
        ("DescribeKey", json!({"KeyId": NEVER_KEY})),
        (
            "GenerateDataKey",
            json!({"KeyId": NEVER_KEY, "KeySpec": "AES_256"}),
        ),
        ("Encrypt", json!({"KeyId": NEVER_KEY, "Plaintext": "AQID"})),
    ] {
        f.enclave
            .call(op, &body)
            .await
            .assert_error(400, "NotFoundException", &message);
    }
}

// describe-nonexistent-with-arn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_arn_is_not_found_with_its_arn() {
    let f = fixture().await;
    let arn = key_arn(NEVER_KEY);
    let message = format!("Key '{arn}' does not exist");
    for (op, body) in [
        ("DescribeKey", json!({"KeyId": arn})),
        (
            "GenerateDataKey",
            json!({"KeyId": arn, "KeySpec": "AES_256"}),
        ),
    ] {
        f.enclave
            .call(op, &body)
            .await
            .assert_error(400, "NotFoundException", &message);
    }
}

// describe-key-diff-region-with-id and describe-key-from-different-region: a key that exists
// elsewhere, asked for by bare id, is simply not found here, with this service's region in the
// ARN. (The harness pins the region, so a second enclave with its own keystore stands for the
// other region.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_another_region_by_bare_id_is_not_found_here() {
    let f = fixture().await;
    let dir = tempfile::tempdir().unwrap();
    let other = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let elsewhere = other.create_key().await;
    other
        .call("DescribeKey", &json!({"KeyId": elsewhere}))
        .await
        .ok();
    f.enclave
        .call("DescribeKey", &json!({"KeyId": elsewhere}))
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!("Key '{}' does not exist", key_arn(&elsewhere)),
        );
}

// describe-key-with-valid-id-mrk: a well-formed multi-Region key id that names no key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_multi_region_key_id_is_not_found_with_its_arn() {
    let f = fixture().await;
    let mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
    f.enclave
        .call("DescribeKey", &json!({"KeyId": mrk}))
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!("Key '{}' does not exist", key_arn(mrk)),
        );
}

// describe-key-with-invalid-uuid: "Not a UUID: NotFoundException `Invalid keyId 'fake-key-id'`".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_id_that_is_not_a_uuid_is_an_invalid_key_id() {
    let f = fixture().await;
    for (op, body) in [
        ("DescribeKey", json!({"KeyId": "fake-key-id"})),
        (
            "GenerateDataKey",
            json!({"KeyId": "fake-key-id", "KeySpec": "AES_256"}),
        ),
    ] {
        f.enclave.call(op, &body).await.assert_error(
            400,
            "NotFoundException",
            "Invalid keyId 'fake-key-id'",
        );
    }
}

// describe-key-with-invalid-uuid-2: a UUID without its hyphens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uuid_without_hyphens_is_an_invalid_key_id() {
    let f = fixture().await;
    f.enclave
        .call(
            "DescribeKey",
            &json!({"KeyId": "134f2428cec14b25a1ae9048164dba47"}),
        )
        .await
        .assert_error(
            400,
            "NotFoundException",
            "Invalid keyId '134f2428cec14b25a1ae9048164dba47'",
        );
}

// describe-key-with-invalid-uuid-mrk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_multi_region_key_id_is_an_invalid_key_id() {
    let f = fixture().await;
    f.enclave
        .call("DescribeKey", &json!({"KeyId": "mrk-fake-key-id"}))
        .await
        .assert_error(400, "NotFoundException", "Invalid keyId 'mrk-fake-key-id'");
}

// "Unknown alias: NotFoundException `Alias arn:aws:kms:REGION:ACCOUNT:alias/NAME is not found.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_alias_is_not_found_with_its_alias_arn() {
    let f = fixture().await;
    let message = format!("Alias {} is not found.", alias_arn("nope"));
    for name in ["alias/nope".to_owned(), alias_arn("nope")] {
        f.enclave
            .call(
                "GenerateDataKey",
                &json!({"KeyId": name, "KeySpec": "AES_256"}),
            )
            .await
            .assert_error(400, "NotFoundException", &message);
        f.enclave
            .call("DescribeKey", &json!({"KeyId": name}))
            .await
            .assert_error(400, "NotFoundException", &message);
    }
}

// describe-key-diff-region-with-arn: "ARN of another region: NotFoundException `Invalid arn
// REGION`", for key ARNs (even of a key that exists here) and alias ARNs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arn_of_another_region_is_invalid_arn() {
    let f = fixture().await;
    let other = format!("arn:aws:kms:eu-west-1:111122223333:key/{}", f.key);
    f.enclave
        .call("DescribeKey", &json!({"KeyId": other}))
        .await
        .assert_error(400, "NotFoundException", "Invalid arn eu-west-1");
    f.enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": other, "KeySpec": "AES_256"}),
        )
        .await
        .assert_error(400, "NotFoundException", "Invalid arn eu-west-1");
    f.enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": "arn:aws:kms:ap-southeast-1:111122223333:alias/x", "KeySpec": "AES_256"}),
        )
        .await
        .assert_error(400, "NotFoundException", "Invalid arn ap-southeast-1");
}

// ---- Key state and usage --------------------------------------------------------------------

/// Every cryptographic operation on `key`, with a blob made under it while it was enabled.
fn crypto_requests(key: &str, blob: &Value) -> Vec<(&'static str, Value)> {
    vec![
        ("Encrypt", json!({"KeyId": key, "Plaintext": "AQID"})),
        ("Decrypt", json!({"CiphertextBlob": blob})),
        (
            "GenerateDataKey",
            json!({"KeyId": key, "KeySpec": "AES_256"}),
        ),
        (
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": key, "NumberOfBytes": 8}),
        ),
        (
            "GenerateDataKeyPair",
            json!({"KeyId": key, "KeyPairSpec": "ECC_NIST_P256"}),
        ),
        (
            "GenerateDataKeyPairWithoutPlaintext",
            json!({"KeyId": key, "KeyPairSpec": "ECC_NIST_P256"}),
        ),
        (
            "ReEncrypt",
            json!({"CiphertextBlob": blob, "DestinationKeyId": key}),
        ),
    ]
}

// "Disabled: DisabledException `<key-arn> is disabled.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_key_is_disabled_for_every_cryptographic_operation() {
    let f = fixture().await;
    let blob = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await;
    f.enclave
        .call("DisableKey", &json!({"KeyId": f.key}))
        .await
        .ok();
    let message = format!("{} is disabled.", key_arn(&f.key));
    for (op, body) in crypto_requests(&f.key, &blob) {
        f.enclave
            .call(op, &body)
            .await
            .assert_error(400, "DisabledException", &message);
    }
}

// "Pending deletion: KMSInvalidStateException `<key-arn> is pending deletion.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_pending_deletion_is_invalid_state_for_every_cryptographic_operation() {
    let f = fixture().await;
    let blob = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await;
    f.enclave
        .call(
            "ScheduleKeyDeletion",
            &json!({"KeyId": f.key, "PendingWindowInDays": 7}),
        )
        .await
        .ok();
    let message = format!("{} is pending deletion.", key_arn(&f.key));
    for (op, body) in crypto_requests(&f.key, &blob) {
        f.enclave
            .call(op, &body)
            .await
            .assert_error(400, "KMSInvalidStateException", &message);
    }
}

// "Asymmetric key for a data key: InvalidKeyUsageException (`<key-arn> key usage is SIGN_VERIFY
// which is not valid for GenerateDataKey.` for signing keys)", and the same for the rest of the
// data key family, each naming its own operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signing_key_is_invalid_key_usage_for_data_keys() {
    let f = fixture().await;
    let signing = f
        .create(json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}))
        .await;
    let arn = key_arn(&signing);
    for (op, body) in [
        (
            "GenerateDataKey",
            json!({"KeyId": signing, "KeySpec": "AES_256"}),
        ),
        (
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": signing, "KeySpec": "AES_256"}),
        ),
        (
            "GenerateDataKeyPair",
            json!({"KeyId": signing, "KeyPairSpec": "ECC_NIST_P256"}),
        ),
        (
            "GenerateDataKeyPairWithoutPlaintext",
            json!({"KeyId": signing, "KeyPairSpec": "ECC_NIST_P256"}),
        ),
    ] {
        f.enclave.call(op, &body).await.assert_error(
            400,
            "InvalidKeyUsageException",
            &format!("{arn} key usage is SIGN_VERIFY which is not valid for {op}."),
        );
    }
}

// encrypt-invalid-key-id: `<key-arn> key usage is SIGN_VERIFY which is not valid for Encrypt.`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypt_with_a_signing_key_is_invalid_key_usage() {
    let f = fixture().await;
    let signing = f
        .create(json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}))
        .await;
    f.enclave
        .call("Encrypt", &json!({"KeyId": signing, "Plaintext": "AQID"}))
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            &format!(
                "{} key usage is SIGN_VERIFY which is not valid for Encrypt.",
                key_arn(&signing)
            ),
        );
}

// test_encrypt_validate_plaintext_size_per_key_type rows: one byte over the RSAES-OAEP limit of
// each RSA spec and algorithm is `ValidationException` with the recorded message; the limit itself
// encrypts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypt_over_the_rsa_oaep_limit_is_the_recorded_validation_error() {
    let f = fixture().await;
    for (spec, algorithm, limit) in [
        ("RSA_2048", "RSAES_OAEP_SHA_1", 214),
        ("RSA_2048", "RSAES_OAEP_SHA_256", 190),
        ("RSA_3072", "RSAES_OAEP_SHA_1", 342),
        ("RSA_3072", "RSAES_OAEP_SHA_256", 318),
        ("RSA_4096", "RSAES_OAEP_SHA_1", 470),
        ("RSA_4096", "RSAES_OAEP_SHA_256", 446),
    ] {
        let rsa = f
            .create(json!({"KeySpec": spec, "KeyUsage": "ENCRYPT_DECRYPT"}))
            .await;
        let encrypt = |len: usize| json!({"KeyId": rsa, "Plaintext": b64(&vec![1u8; len]), "EncryptionAlgorithm": algorithm});
        f.enclave.call("Encrypt", &encrypt(limit)).await.ok();
        f.enclave
            .call("Encrypt", &encrypt(limit + 1))
            .await
            .assert_error(
                400,
                "ValidationException",
                &format!(
                    "Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than {limit} bytes."
                ),
            );
    }
}

// "Decrypt with a KeyId that is not the blob's key: IncorrectKeyException `The key ID in the
// request does not identify a CMK that can perform this operation.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_with_another_keys_id_is_incorrect_key() {
    let f = fixture().await;
    let other = f.create(json!({})).await;
    let blob = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await;
    for wrong in [other.clone(), key_arn(&other)] {
        f.enclave
            .call("Decrypt", &json!({"CiphertextBlob": blob, "KeyId": wrong}))
            .await
            .assert_error(400, "IncorrectKeyException", INCORRECT_KEY);
    }
    // The blob's own key, in any form, is fine.
    f.enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": blob, "KeyId": key_arn(&f.key)}),
        )
        .await
        .ok();
}

// decrypt-invalid-key-id: Decrypt naming an asymmetric key is IncorrectKeyException.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_with_an_asymmetric_key_id_is_incorrect_key() {
    let f = fixture().await;
    let blob = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await;
    for body in [
        json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}),
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    ] {
        let asymmetric = f.create(body).await;
        f.enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": blob, "KeyId": asymmetric}),
            )
            .await
            .assert_error(400, "IncorrectKeyException", INCORRECT_KEY);
    }
}

// An RSA encryption key named for a symmetric blob: its ciphertexts carry no key id, so the blob
// is tried as an RSA ciphertext. Without an algorithm that is the SYMMETRIC_DEFAULT/RSA mismatch
// (the message real AWS gives Encrypt, zalando/spring-cloud-config-aws-kms#82); with one, the
// blob does not decrypt: the empty InvalidCiphertextException.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_of_a_symmetric_blob_with_an_rsa_encryption_key_id_fails_as_rsa_decryption() {
    let f = fixture().await;
    let blob = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await;
    let rsa = f
        .create(json!({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}))
        .await;
    f.enclave
        .call("Decrypt", &json!({"CiphertextBlob": blob, "KeyId": rsa}))
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
        );
    let reply = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": blob, "KeyId": rsa, "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
        )
        .await;
    assert_invalid_ciphertext(&reply);
}

// incorrect-source-key: ReEncrypt with a SourceKeyId that is not the blob's key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_encrypt_with_the_wrong_source_key_id_is_incorrect_key() {
    let f = fixture().await;
    let other = f.create(json!({})).await;
    let blob = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await;
    f.enclave
        .call(
            "ReEncrypt",
            &json!({"CiphertextBlob": blob, "SourceKeyId": other, "DestinationKeyId": f.key}),
        )
        .await
        .assert_error(400, "IncorrectKeyException", INCORRECT_KEY);
}

// ---- Ciphertexts ----------------------------------------------------------------------------

/// Asserts InvalidCiphertextException whose body has no message at all, as AWS sends it.
#[track_caller]
fn assert_invalid_ciphertext(reply: &nitro_kms_tests::enclave::Reply) {
    reply.assert_error(400, "InvalidCiphertextException", "");
    assert_eq!(reply.body, json!({"__type": "InvalidCiphertextException"}));
}

// decrypt_response_without_encryption_context and the four generate-keys
// decrypt-without-encryption-context rows (GenerateDataKey, GenerateDataKeyWithoutPlaintext,
// GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_without_the_encryption_context_is_invalid_ciphertext_without_a_message() {
    let f = fixture().await;
    let context = json!({"a": "b"});
    for (op, body, member) in [
        (
            "Encrypt",
            json!({"KeyId": f.key, "Plaintext": "AQID", "EncryptionContext": context}),
            "CiphertextBlob",
        ),
        (
            "GenerateDataKey",
            json!({"KeyId": f.key, "KeySpec": "AES_256", "EncryptionContext": context}),
            "CiphertextBlob",
        ),
        (
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": f.key, "KeySpec": "AES_256", "EncryptionContext": context}),
            "CiphertextBlob",
        ),
        (
            "GenerateDataKeyPair",
            json!({"KeyId": f.key, "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": context}),
            "PrivateKeyCiphertextBlob",
        ),
        (
            "GenerateDataKeyPairWithoutPlaintext",
            json!({"KeyId": f.key, "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": context}),
            "PrivateKeyCiphertextBlob",
        ),
    ] {
        let blob = f.enclave.call(op, &body).await.ok()[member].clone();
        let reply = f
            .enclave
            .call("Decrypt", &json!({"CiphertextBlob": blob}))
            .await;
        assert_invalid_ciphertext(&reply);
        // With the context it decrypts (the blob itself is fine).
        f.enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": blob, "EncryptionContext": context}),
            )
            .await
            .ok();
    }
}

// "Wrong encryption context ...: InvalidCiphertextException with an empty message": another
// value, another key, an extra pair, and a context where the blob had none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_with_a_different_encryption_context_is_invalid_ciphertext_without_a_message() {
    let f = fixture().await;
    let with = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID", "EncryptionContext": {"ab": "c"}}))
        .await;
    for wrong in [
        json!({"ab": "d"}),
        json!({"a": "bc"}),
        json!({"ab": "c", "x": "y"}),
    ] {
        let reply = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": with, "EncryptionContext": wrong}),
            )
            .await;
        assert_invalid_ciphertext(&reply);
    }
    let without = f
        .encrypt(json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await;
    let reply = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": without, "EncryptionContext": {"ab": "c"}}),
        )
        .await;
    assert_invalid_ciphertext(&reply);
}

// decrypt_response_with_invalid_ciphertext: "tampered blob: InvalidCiphertextException with an
// empty message", also for blobs that are no blob of ours at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_foreign_blob_is_invalid_ciphertext_without_a_message() {
    let f = fixture().await;
    let blob = f
        .enclave
        .call("Encrypt", &json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await
        .blob("CiphertextBlob");
    // A single-bit flip anywhere: header, key id, nonce, body, tag.
    for i in (0..blob.len()).step_by(5).chain([blob.len() - 1]) {
        let mut bad = blob.clone();
        bad[i] ^= 0x01;
        let reply = f
            .enclave
            .call("Decrypt", &json!({"CiphertextBlob": b64(&bad)}))
            .await;
        assert_invalid_ciphertext(&reply);
    }
    // Truncated, and garbage.
    for bad in [
        blob[..blob.len() - 1].to_vec(),
        blob[..10].to_vec(),
        b"not a ciphertext blob at all, sorry".to_vec(),
    ] {
        let reply = f
            .enclave
            .call("Decrypt", &json!({"CiphertextBlob": b64(&bad)}))
            .await;
        assert_invalid_ciphertext(&reply);
    }
}

// invalid-plaintext-size-encrypt: "Encrypt with Plaintext over 4096 bytes".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypt_with_plaintext_over_4096_bytes_is_a_validation_error() {
    let f = fixture().await;
    f.enclave
        .call("Encrypt", &json!({"KeyId": f.key, "Plaintext": b64(&[7u8; 4097])}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
        );
    f.enclave
        .call(
            "Encrypt",
            &json!({"KeyId": f.key, "Plaintext": b64(&[7u8; 4096])}),
        )
        .await
        .ok();
}

// "a 6145-byte or empty CiphertextBlob ... arrive": the server checks the 1..6144 length itself.
//
// message not recorded from AWS. The code renders the value as Java's ByteBuffer.toString()
// (common/api/src/validate.rs, `blob_len`), which is what other AWS JSON services answer for
// blobs (Kinesis, Firehose, Rekognition). For KMS, public evidence says otherwise: an aws-cli
// transcript against real KMS shows `1 validation error detected: Value at 'ciphertextBlob'
// failed to satisfy constraint: Member must have length greater than or equal to 1` (no value),
// and nsmithuk/local-kms switched from the HeapByteBuffer form to that one in 2019 (71163c7).
// If /work/shared/spec comes to record it, change `blob_len` and these two expectations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_or_6145_byte_ciphertext_blobs_are_validation_errors() {
    let f = fixture().await;
    for op in ["Decrypt", "ReEncrypt"] {
        f.enclave
            .call(op, &json!({"CiphertextBlob": b64(&[1u8; 6145]), "DestinationKeyId": f.key}))
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144",
            );
        f.enclave
            .call(op, &json!({"CiphertextBlob": "", "DestinationKeyId": f.key}))
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1",
            );
    }
    // 6144 bytes pass validation and fail only as a ciphertext.
    let reply = f
        .enclave
        .call("Decrypt", &json!({"CiphertextBlob": b64(&[1u8; 6144])}))
        .await;
    assert_invalid_ciphertext(&reply);
}

// ---- Aliases --------------------------------------------------------------------------------

// create_alias: "CreateAlias without the prefix".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_alias_without_the_alias_prefix_is_a_validation_error() {
    let f = fixture().await;
    f.enclave
        .call("CreateAlias", &json!({"AliasName": "nope", "TargetKeyId": f.key}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        );
}

// CreateAlias with a name that is taken (even when it points at another key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_alias_with_an_existing_name_is_already_exists() {
    let f = fixture().await;
    let other = f.create(json!({})).await;
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/taken", "TargetKeyId": f.key}),
        )
        .await
        .ok();
    for target in [&f.key, &other] {
        // message not recorded from AWS
        f.enclave
            .call(
                "CreateAlias",
                &json!({"AliasName": "alias/taken", "TargetKeyId": target}),
            )
            .await
            .assert_error(
                400,
                "AlreadyExistsException",
                &format!(
                    "An alias with the name {} already exists",
                    alias_arn("taken")
                ),
            );
    }
}

// ---- CreateKey ------------------------------------------------------------------------------

// create-hmac-key-without-key-usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_for_hmac_without_key_usage_is_a_validation_error() {
    let f = fixture().await;
    for spec in ["HMAC_256", "RSA_2048", "ECC_NIST_P256"] {
        f.enclave
            .call("CreateKey", &json!({"KeySpec": spec}))
            .await
            .assert_error(
                400,
                "ValidationException",
                "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
            );
    }
}

// create-hmac-key-invalid-spec. The recorded list is the whole set AWS accepted when it was
// recorded; the specs the model gained since (ML-DSA, Ed25519, ML-KEM) are appended in model
// order because where AWS now puts them is unknown (common/src/kms/types.rs). The recorded
// text is asserted verbatim as the message's beginning, and the whole message exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_with_an_unknown_key_spec_lists_the_accepted_specs() {
    let f = fixture().await;
    let recorded = "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]";
    let expected = format!(
        "{}, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519, ML_KEM_512, ML_KEM_768, ML_KEM_1024]",
        recorded.strip_suffix(']').unwrap()
    );
    f.enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "HMAC_random", "KeyUsage": "GENERATE_VERIFY_MAC"}),
        )
        .await
        .assert_error(400, "ValidationException", &expected);
}

// create-hmac-key-invalid-key-usage (recorded list, then KEY_AGREEMENT and
// ENCAPSULATE_DECAPSULATE, added to the model after the recording).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_with_an_unknown_key_usage_lists_the_accepted_usages() {
    let f = fixture().await;
    let recorded = "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC]";
    let expected = format!(
        "{}, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE]",
        recorded.strip_suffix(']').unwrap()
    );
    f.enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "HMAC_256", "KeyUsage": "RANDOM"}),
        )
        .await
        .assert_error(400, "ValidationException", &expected);
}

// response-invalid-key-spec (recorded in the DeriveSharedSecret test, but it is CreateKey's
// answer): a usage the spec does not support.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_with_a_usage_the_spec_does_not_support_is_a_validation_error() {
    let f = fixture().await;
    f.enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "RSA_2048", "KeyUsage": "KEY_AGREEMENT"}),
        )
        .await
        .assert_error(
            400,
            "ValidationException",
            "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048",
        );
}

// ---- Tags -----------------------------------------------------------------------------------

fn tag(k: &str, v: &str) -> Value {
    json!({"TagKey": k, "TagValue": v})
}

// duplicate-tag-keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_tag_keys_are_a_tag_exception() {
    let f = fixture().await;
    let tags = json!([tag("a", "1"), tag("a", "2")]);
    f.enclave
        .call("TagResource", &json!({"KeyId": f.key, "Tags": tags}))
        .await
        .assert_error(400, "TagException", "Duplicate tag keys");
    f.enclave
        .call("CreateKey", &json!({"Tags": tags}))
        .await
        .assert_error(400, "TagException", "Duplicate tag keys");
}

// invalid-tag-key (TagResource) and create-key invalid-tag-key [lowercase_prefix] and
// [uppercase_prefix].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_keys_beginning_with_aws_are_reserved_in_any_case() {
    let f = fixture().await;
    for reserved in ["aws:owner", "AWS:owner", "Aws:owner"] {
        f.enclave
            .call(
                "TagResource",
                &json!({"KeyId": f.key, "Tags": [tag(reserved, "x")]}),
            )
            .await
            .assert_error(400, "TagException", "Tags beginning with aws: are reserved");
        f.enclave
            .call("CreateKey", &json!({"Tags": [tag(reserved, "x")]}))
            .await
            .assert_error(400, "TagException", "Tags beginning with aws: are reserved");
    }
}

// test_create_key_with_too_many_tags_raises_error: 51 tags.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_one_tags_are_too_many_tags() {
    let f = fixture().await;
    let many: Vec<Value> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    f.enclave
        .call("CreateKey", &json!({"Tags": many}))
        .await
        .assert_error(400, "TagException", "Too many tags");
    f.enclave
        .call("CreateKey", &json!({"Tags": &many[..50]}))
        .await
        .ok();
}

// create-key invalid-tag-key [too_long_key]: a 129-character tag key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_129_character_tag_key_is_a_validation_error() {
    let f = fixture().await;
    let long_key = "a".repeat(129);
    let message = format!(
        "1 validation error detected: Value '{long_key}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128"
    );
    f.enclave
        .call("CreateKey", &json!({"Tags": [tag(&long_key, "v")]}))
        .await
        .assert_error(400, "ValidationException", &message);
    f.enclave
        .call(
            "TagResource",
            &json!({"KeyId": f.key, "Tags": [tag(&long_key, "v")]}),
        )
        .await
        .assert_error(400, "ValidationException", &message);
}

// too-long-tag-value: a 257-character tag value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_257_character_tag_value_is_a_validation_error() {
    let f = fixture().await;
    let long_value = "v".repeat(257);
    let message = format!(
        "1 validation error detected: Value '{long_value}' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256"
    );
    f.enclave
        .call(
            "TagResource",
            &json!({"KeyId": f.key, "Tags": [tag("k", &long_value)]}),
        )
        .await
        .assert_error(400, "ValidationException", &message);
    f.enclave
        .call("CreateKey", &json!({"Tags": [tag("k", &long_value)]}))
        .await
        .assert_error(400, "ValidationException", &message);
}

// ---- DryRun ---------------------------------------------------------------------------------

// dryrun_exception rows (GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_key_pair_dry_run_is_dry_run_operation_exception() {
    let f = fixture().await;
    for op in ["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"] {
        f.enclave
            .call(
                op,
                &json!({"KeyId": f.key, "KeyPairSpec": "RSA_2048", "DryRun": true}),
            )
            .await
            .assert_error(
                400,
                "DryRunOperationException",
                "The request would have succeeded, but the DryRun option is set.",
            );
    }
}

// ---- Authorization --------------------------------------------------------------------------

// "Another account's key without a policy grant: AccessDeniedException `User: <principal> is not
// authorized to perform: kms:GenerateDataKey on resource: <arn> because no resource-based policy
// allows the kms:GenerateDataKey action`": a key ARN of another account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_key_arn_is_access_denied() {
    let f = fixture().await;
    let arn = format!("arn:aws:kms:us-east-1:999988887777:key/{NEVER_KEY}");
    f.enclave
        .call("GenerateDataKey", &json!({"KeyId": arn, "KeySpec": "AES_256"}))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:GenerateDataKey on resource: {arn} because no resource-based policy allows the kms:GenerateDataKey action"),
        );
}

// The same row seen from the other side: a caller of another account using this account's key,
// whose default policy grants only this account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_of_another_account_is_access_denied_by_the_default_policy() {
    let f = fixture().await;
    let arn = key_arn(&f.key);
    f.enclave
        .call_as(
            MALLORY,
            "GenerateDataKey",
            &json!({"KeyId": arn, "KeySpec": "AES_256"}),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {MALLORY} is not authorized to perform: kms:GenerateDataKey on resource: {arn} because no resource-based policy allows the kms:GenerateDataKey action"),
        );
}

// ---- Protocol -------------------------------------------------------------------------------

// An operation name outside the model (a real KMS operation this service leaves out is
// UnsupportedOperationException: enclave_unsupported_operations.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_operation_is_unknown_operation_exception() {
    let f = fixture().await;
    for op in ["NoSuchOperation", "generatedatakey"] {
        let reply = f.enclave.call(op, &json!({"KeyId": f.key})).await;
        // AWS sends no message; this service names what was asked for.
        reply.assert_error(
            400,
            "UnknownOperationException",
            &format!("TrentService.{op} is not an operation of AWS KMS (TrentService)"),
        );
    }
}

// A body that is not JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_json_is_serialization_exception() {
    let f = fixture().await;
    // message not recorded from AWS (serde_json's description of the error)
    f.enclave
        .call_raw(ALICE, "GenerateDataKey", b"not json".to_vec())
        .await
        .assert_error(
            400,
            "SerializationException",
            "Malformed JSON request body: expected ident at line 1 column 2",
        );
    f.enclave
        .call_raw(ALICE, "Decrypt", br#"{"CiphertextBlob": "#.to_vec())
        .await
        .assert_error(
            400,
            "SerializationException",
            "Malformed JSON request body: EOF while parsing a value at line 1 column 19",
        );
}

// JSON whose member has the wrong type (Coral's wording for a number given as a blob).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_the_wrong_type_is_serialization_exception() {
    let f = fixture().await;
    // message not recorded from AWS
    f.enclave
        .call_raw(ALICE, "Decrypt", br#"{"CiphertextBlob": 5}"#.to_vec())
        .await
        .assert_error(
            400,
            "SerializationException",
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob",
        );
}
