#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One test per error row of `shared/spec/aws-kms-behaviour.md` and per row of
//! `shared/spec/aws-kms-real-errors.txt` that concerns an operation this service implements,
//! through the frame protocol against the real simulated enclave: status, `__type` and message.
//!
//! Rows not covered here, on purpose: Sign/Verify/GenerateMac/VerifyMac, key import, key rotation,
//! replication and DeriveSharedSecret are not operations of this service (the design's list).

use base64::Engine;
use nitro_kms_tests::enclave::{ALICE, Enclave, alias_arn, key_arn};
use serde_json::{Value, json};

const NEVER_KEY: &str = "0b1c8a44-2b3c-4d5e-8f90-123456789abc";

struct Fixture {
    _dir: tempfile::TempDir,
    enclave: Enclave,
    key: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let key = enclave.create_key().await;
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
}

// GenerateRandom: NumberOfBytes None / 0 / 1025 (generate-random-exc rows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_random_number_of_bytes_errors_match_aws() {
    let f = fixture().await;
    f.enclave
        .call("GenerateRandom", &json!({}))
        .await
        .assert_error(400, "ValidationException", "NumberOfBytes is required.");
    f.enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 0}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
        );
    f.enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 1025}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
        );
}

// "Unknown key: NotFoundException `Key 'arn:aws:kms:REGION:ACCOUNT:key/ID' does not exist`"
// (describe-nonexistent-key-with-id, describe-nonexistent-with-arn, describe-key-diff-region-with-id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_by_id_or_arn_is_not_found_with_its_arn() {
    let f = fixture().await;
    let message = format!("Key '{}' does not exist", key_arn(NEVER_KEY));
    for id in [NEVER_KEY.to_owned(), key_arn(NEVER_KEY)] {
        for op in ["DescribeKey", "GenerateDataKey"] {
            let body = json!({"KeyId": id, "KeySpec": "AES_256"});
            let body = if op == "DescribeKey" {
                json!({"KeyId": id})
            } else {
                body
            };
            f.enclave
                .call(op, &body)
                .await
                .assert_error(400, "NotFoundException", &message);
        }
    }
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

// "Not a UUID: NotFoundException `Invalid keyId 'fake-key-id'`" (describe-key-with-invalid-uuid,
// -uuid-2, -uuid-mrk).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_id_that_is_not_a_uuid_is_an_invalid_key_id() {
    let f = fixture().await;
    for bad in [
        "fake-key-id",
        "134f2428cec14b25a1ae9048164dba47",
        "mrk-fake-key-id",
    ] {
        f.enclave
            .call("DescribeKey", &json!({"KeyId": bad}))
            .await
            .assert_error(400, "NotFoundException", &format!("Invalid keyId '{bad}'"));
    }
}

// "Unknown alias: NotFoundException `Alias arn:aws:kms:REGION:ACCOUNT:alias/NAME is not found.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_alias_is_not_found_with_its_arn() {
    let f = fixture().await;
    for name in ["alias/nope".to_owned(), alias_arn("nope")] {
        f.enclave
            .call(
                "GenerateDataKey",
                &json!({"KeyId": name, "KeySpec": "AES_256"}),
            )
            .await
            .assert_error(
                400,
                "NotFoundException",
                &format!("Alias {} is not found.", alias_arn("nope")),
            );
    }
}

// "ARN of another region: NotFoundException `Invalid arn REGION`" (describe-key-diff-region-with-arn).
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
            &json!({"KeyId": "arn:aws:kms:ap-southeast-1:111122223333:alias/x", "KeySpec": "AES_256"}),
        )
        .await
        .assert_error(400, "NotFoundException", "Invalid arn ap-southeast-1");
}

// "Disabled: DisabledException `<key-arn> is disabled.` Pending deletion: KMSInvalidStateException
// `<key-arn> is pending deletion.`"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_and_pending_deletion_keys_refuse_every_cryptographic_operation() {
    let f = fixture().await;
    let blob = f
        .enclave
        .call("Encrypt", &json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await
        .ok()["CiphertextBlob"]
        .clone();
    let requests = [
        ("Encrypt", json!({"KeyId": f.key, "Plaintext": "AQID"})),
        ("Decrypt", json!({"CiphertextBlob": blob})),
        (
            "GenerateDataKey",
            json!({"KeyId": f.key, "KeySpec": "AES_256"}),
        ),
        (
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": f.key, "NumberOfBytes": 8}),
        ),
        (
            "GenerateDataKeyPair",
            json!({"KeyId": f.key, "KeyPairSpec": "ECC_NIST_P256"}),
        ),
        (
            "ReEncrypt",
            json!({"CiphertextBlob": blob, "DestinationKeyId": f.key}),
        ),
    ];
    f.enclave
        .call("DisableKey", &json!({"KeyId": f.key}))
        .await
        .ok();
    for (op, body) in &requests {
        f.enclave.call(op, body).await.assert_error(
            400,
            "DisabledException",
            &format!("{} is disabled.", key_arn(&f.key)),
        );
    }
    f.enclave
        .call(
            "ScheduleKeyDeletion",
            &json!({"KeyId": f.key, "PendingWindowInDays": 7}),
        )
        .await
        .ok();
    for (op, body) in &requests {
        f.enclave.call(op, body).await.assert_error(
            400,
            "KMSInvalidStateException",
            &format!("{} is pending deletion.", key_arn(&f.key)),
        );
    }
}

// "Asymmetric key for a data key: InvalidKeyUsageException (`<key-arn> key usage is SIGN_VERIFY
// which is not valid for GenerateDataKey.`)" and encrypt-invalid-key-id (`... for Encrypt.`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_keys_are_invalid_key_usage_for_data_keys_and_encrypt() {
    let f = fixture().await;
    let signing = f
        .create(json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}))
        .await;
    let arn = key_arn(&signing);
    f.enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": signing, "KeySpec": "AES_256"}),
        )
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            &format!("{arn} key usage is SIGN_VERIFY which is not valid for GenerateDataKey."),
        );
    f.enclave
        .call("Encrypt", &json!({"KeyId": signing, "Plaintext": "AQID"}))
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            &format!("{arn} key usage is SIGN_VERIFY which is not valid for Encrypt."),
        );
}

// "Decrypt with a KeyId that is not the blob's key: IncorrectKeyException" (decrypt-invalid-key-id,
// re-encrypt incorrect-source-key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_or_re_encrypt_with_another_keys_id_is_incorrect_key() {
    let f = fixture().await;
    let other = f.create(json!({})).await;
    let signing = f
        .create(json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}))
        .await;
    let blob = f
        .enclave
        .call("Encrypt", &json!({"KeyId": f.key, "Plaintext": "AQID"}))
        .await
        .ok()["CiphertextBlob"]
        .clone();
    let message =
        "The key ID in the request does not identify a CMK that can perform this operation.";
    for wrong in [&other, &signing] {
        f.enclave
            .call("Decrypt", &json!({"CiphertextBlob": blob, "KeyId": wrong}))
            .await
            .assert_error(400, "IncorrectKeyException", message);
    }
    f.enclave
        .call(
            "ReEncrypt",
            &json!({"CiphertextBlob": blob, "SourceKeyId": other, "DestinationKeyId": f.key}),
        )
        .await
        .assert_error(400, "IncorrectKeyException", message);
}

// "Wrong encryption context or tampered blob: InvalidCiphertextException with an empty message"
// (decrypt_response_without_encryption_context, decrypt_response_with_invalid_ciphertext, and the
// four generate-keys rows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_context_or_tampered_blob_is_invalid_ciphertext_without_a_message() {
    let f = fixture().await;
    let context = json!({"a": "b"});
    let mut blobs = Vec::new();
    for (op, body) in [
        (
            "Encrypt",
            json!({"KeyId": f.key, "Plaintext": "AQID", "EncryptionContext": context}),
        ),
        (
            "GenerateDataKey",
            json!({"KeyId": f.key, "KeySpec": "AES_256", "EncryptionContext": context}),
        ),
        (
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": f.key, "KeySpec": "AES_256", "EncryptionContext": context}),
        ),
        (
            "GenerateDataKeyPair",
            json!({"KeyId": f.key, "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": context}),
        ),
        (
            "GenerateDataKeyPairWithoutPlaintext",
            json!({"KeyId": f.key, "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": context}),
        ),
    ] {
        let reply = f.enclave.call(op, &body).await;
        let member = if op.starts_with("GenerateDataKeyPair") {
            "PrivateKeyCiphertextBlob"
        } else {
            "CiphertextBlob"
        };
        blobs.push(reply.blob(member));
    }
    for blob in &blobs {
        // Without the context.
        let reply = f
            .enclave
            .call("Decrypt", &json!({"CiphertextBlob": b64(blob)}))
            .await;
        reply.assert_error(400, "InvalidCiphertextException", "");
        assert_eq!(reply.body, json!({"__type": "InvalidCiphertextException"}));
        // Every single-bit flip, anywhere.
        for i in (0..blob.len()).step_by(7) {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            f.enclave
                .call(
                    "Decrypt",
                    &json!({"CiphertextBlob": b64(&bad), "EncryptionContext": context}),
                )
                .await
                .assert_error(400, "InvalidCiphertextException", "");
        }
    }
    // Garbage that is no blob at all.
    f.enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": b64(b"not a ciphertext blob at all, sorry")}),
        )
        .await
        .assert_error(400, "InvalidCiphertextException", "");
}

// "Encrypt with Plaintext over 4096 bytes" (invalid-plaintext-size-encrypt).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypt_refuses_plaintext_over_4096_bytes() {
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

// "a 6145-byte or empty CiphertextBlob ... arrive" (the server must check them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_checks_ciphertext_blob_length_itself() {
    let f = fixture().await;
    f.enclave
        .call("Decrypt", &json!({"CiphertextBlob": b64(&[1u8; 6145])}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144",
        );
    f.enclave
        .call("Decrypt", &json!({"CiphertextBlob": ""}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1",
        );
}

// "CreateAlias without the prefix" (create_alias row) and an existing name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_alias_needs_the_prefix_and_a_new_name() {
    let f = fixture().await;
    f.enclave
        .call("CreateAlias", &json!({"AliasName": "nope", "TargetKeyId": f.key}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        );
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/taken", "TargetKeyId": f.key}),
        )
        .await
        .ok();
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/taken", "TargetKeyId": f.key}),
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

// create-hmac-key-without-key-usage, create-hmac-key-invalid-spec, create-hmac-key-invalid-key-usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_spec_and_usage_errors_match_aws() {
    let f = fixture().await;
    f.enclave
        .call("CreateKey", &json!({"KeySpec": "HMAC_256"}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
        );
    let reply = f
        .enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "HMAC_random", "KeyUsage": "GENERATE_VERIFY_MAC"}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "ValidationException")
    );
    // AWS's recorded list, then the specs it added later (see common/src/kms/types.rs).
    assert!(
        reply.message().starts_with(
            "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512"
        ),
        "{}",
        reply.body
    );
    let reply = f
        .enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "HMAC_256", "KeyUsage": "RANDOM"}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "ValidationException")
    );
    assert!(
        reply.message().starts_with(
            "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC"
        ),
        "{}",
        reply.body
    );
    // response-invalid-key-spec: a usage the spec does not support.
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

// duplicate-tag-keys, invalid-tag-key (lower and upper case prefix), too many tags,
// too-long tag key and value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_errors_match_aws() {
    let f = fixture().await;
    let tag = |k: &str, v: &str| json!({"TagKey": k, "TagValue": v});
    f.enclave
        .call(
            "TagResource",
            &json!({"KeyId": f.key, "Tags": [tag("a", "1"), tag("a", "2")]}),
        )
        .await
        .assert_error(400, "TagException", "Duplicate tag keys");
    for reserved in ["aws:owner", "AWS:owner"] {
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
    let many: Vec<Value> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    f.enclave
        .call("CreateKey", &json!({"Tags": many}))
        .await
        .assert_error(400, "TagException", "Too many tags");
    let long_key = "a".repeat(129);
    f.enclave
        .call("CreateKey", &json!({"Tags": [tag(&long_key, "v")]}))
        .await
        .assert_error(
            400,
            "ValidationException",
            &format!("1 validation error detected: Value '{long_key}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128"),
        );
    let long_value = "v".repeat(257);
    let reply = f
        .enclave
        .call(
            "TagResource",
            &json!({"KeyId": f.key, "Tags": [tag("k", &long_value)]}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "ValidationException")
    );
    assert!(
        reply.message().contains(&format!("Value '{long_value}' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256")),
        "{}",
        reply.body
    );
}

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

// "Another account's key without a policy grant: AccessDeniedException `User: <principal> is not
// authorized to perform: kms:GenerateDataKey on resource: <arn> because no resource-based policy
// allows the kms:GenerateDataKey action`".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_key_is_access_denied_in_aws_wording() {
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

// Protocol rows: an operation we do not serve and a body that is not JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors_are_unknown_operation_and_serialization() {
    let f = fixture().await;
    let reply = f
        .enclave
        .call("RotateKeyOnDemand", &json!({"KeyId": f.key}))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body, json!({"__type": "UnknownOperationException"}));
    let reply = f
        .enclave
        .call_raw(ALICE, "Decrypt", br#"{"CiphertextBlob": 5}"#.to_vec())
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "SerializationException")
    );
}
