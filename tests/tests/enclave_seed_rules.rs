#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One test per requirement in the two seed pages (`shared/seeds/`: the AWS CLI pages of
//! generate-data-key and generate-data-key-without-plaintext), driven through the frame protocol
//! against the real simulated enclave. Each test quotes the sentence(s) it pins.

use std::collections::HashSet;
use std::path::Path;

use base64::Engine;
use nitro_kms_attest::nsm::NsmExt;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::recipient;
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey};
use nitro_kms_tests::enclave::{ACCOUNT, ALICE, Enclave, MALLORY, REGION, alias_arn, key_arn};
use serde_json::{Value, json};

/// Another caller of the key's own account (allowed by the default key policy, as ALICE is).
const BOB: &str = "arn:aws:iam::111122223333:user/bob";

/// Both operations the seed pages describe.
const OPS: [&str; 2] = ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"];

struct Fixture {
    dir: tempfile::TempDir,
    enclave: Enclave,
    key: String,
}

impl Fixture {
    fn world(&self) -> std::path::PathBuf {
        self.dir.path().join("w")
    }

    fn parent(&self) -> std::path::PathBuf {
        self.dir.path().join("p")
    }
}

/// A fresh enclave with one symmetric encryption key (default key policy).
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let key = enclave.create_key().await;
    assert!(!key.is_empty());
    Fixture { dir, enclave, key }
}

/// A request body naming `key` plus the members of `extra`.
fn gdk(key: &str, extra: Value) -> Value {
    let mut body = json!({"KeyId": key});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

/// AWS's AccessDeniedException text for `caller` doing `action` on `resource`.
fn denied(caller: &str, action: &str, resource: &str) -> String {
    format!(
        "User: {caller} is not authorized to perform: {action} on resource: {resource} because no resource-based policy allows the {action} action"
    )
}

/// Decrypts `blob` (a base64 JSON string) as ALICE and returns the plaintext.
async fn decrypt(enclave: &Enclave, blob: &Value) -> Vec<u8> {
    enclave
        .call("Decrypt", &json!({"CiphertextBlob": blob}))
        .await
        .blob("Plaintext")
}

/// An enclave application attested by the simulated NSM of `world`: its recipient key and the
/// attestation document binding that key.
fn attested_app(world: &Path) -> (RsaPrivateKey, Vec<u8>) {
    std::fs::create_dir_all(world).unwrap();
    let image = world.join("seed-rules-image");
    std::fs::write(&image, b"seed rules enclave image").unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(world).with_image(&image)).unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let document = nsm
        .attest(Some(key.public_key_spki_der()), None, None)
        .unwrap();
    (key, document)
}

fn recipient_member(document: &[u8]) -> Value {
    json!({
        "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        "AttestationDocument": base64::engine::general_purpose::STANDARD.encode(document),
    })
}

// "This operation returns a plaintext copy of the data key and a copy that is encrypted under a
// symmetric encryption KMS key that you specify." / "Use the Decrypt operation to decrypt the
// encrypted data key. The operation returns a plaintext copy of the data key." / OUTPUT: "KeyId ->
// The Amazon Resource Name (key ARN) of the KMS key that encrypted the data key."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_returns_plaintext_and_a_copy_encrypted_under_the_named_key() {
    let f = fixture().await;
    let other = f.enclave.create_key().await;
    let reply = f
        .enclave
        .call(
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await;
    let body = reply.ok();
    assert_eq!(body["KeyId"], key_arn(&f.key));
    let plaintext = reply.blob("Plaintext");
    assert_eq!(plaintext.len(), 32);
    let ciphertext = reply.blob("CiphertextBlob");
    assert!(
        !ciphertext.windows(plaintext.len()).any(|w| w == plaintext),
        "the plaintext appears inside the ciphertext"
    );
    let decrypted = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": body["CiphertextBlob"]}),
        )
        .await;
    assert_eq!(decrypted.blob("Plaintext"), plaintext);
    assert_eq!(decrypted.ok()["KeyId"], key_arn(&f.key));
    // It is encrypted under that key and no other: naming another key is refused.
    f.enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": body["CiphertextBlob"], "KeyId": other}),
        )
        .await
        .assert_error(
            400,
            "IncorrectKeyException",
            "The key ID in the request does not identify a CMK that can perform this operation.",
        );
}

// "Returns a unique symmetric data key for use outside of KMS." / "Like GenerateDataKey,
// GenerateDataKeyWithoutPlaintext returns a unique data key for each request."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_returns_a_unique_data_key() {
    let f = fixture().await;
    let mut seen = HashSet::new();
    for _ in 0..10 {
        let with = f
            .enclave
            .call(
                "GenerateDataKey",
                &gdk(&f.key, json!({"KeySpec": "AES_256"})),
            )
            .await;
        assert!(seen.insert(with.blob("Plaintext")), "a data key repeated");
        let without = f
            .enclave
            .call(
                "GenerateDataKeyWithoutPlaintext",
                &gdk(&f.key, json!({"KeySpec": "AES_256"})),
            )
            .await;
        let key = decrypt(&f.enclave, &without.ok()["CiphertextBlob"]).await;
        assert_eq!(key.len(), 32);
        assert!(seen.insert(key), "a data key repeated");
    }
}

// "The bytes in the plaintext key are random; they are not related to the caller or the KMS
// key." / "The bytes in the key are not related to the caller or CMK that is used to encrypt the
// data key."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_key_bytes_are_random_and_unrelated_to_the_caller_or_the_kms_key() {
    let f = fixture().await;
    let second = f.enclave.create_key().await;
    // The same request by two callers under two keys, twice each: eight different keys.
    let mut seen = HashSet::new();
    for key in [&f.key, &second] {
        for caller in [ALICE, BOB] {
            for _ in 0..2 {
                let reply = f
                    .enclave
                    .call_as(
                        caller,
                        "GenerateDataKey",
                        &gdk(key, json!({"NumberOfBytes": 32})),
                    )
                    .await;
                let plaintext = reply.blob("Plaintext");
                assert_eq!(plaintext.len(), 32);
                assert!(
                    seen.insert(plaintext),
                    "a data key repeated for {caller} under {key}"
                );
            }
        }
    }
    // Random bytes: 1024 of them take almost every byte value (about 251 of 256 on average).
    for key in [&f.key, &second] {
        let big = f
            .enclave
            .call("GenerateDataKey", &gdk(key, json!({"NumberOfBytes": 1024})))
            .await
            .blob("Plaintext");
        let distinct: HashSet<u8> = big.iter().copied().collect();
        assert!(distinct.len() > 220, "only {} byte values", distinct.len());
    }
}

// "To generate a data key, specify the symmetric encryption KMS key that will be used to encrypt
// the data key." (--key-id is the one required option of both commands.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_requires_a_key_id() {
    let f = fixture().await;
    for op in OPS {
        f.enclave
            .call(op, &json!({"KeySpec": "AES_256"}))
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
            );
    }
}

// "You cannot use an asymmetric KMS key to encrypt data keys." / "You cannot specify an
// asymmetric KMS key ..."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_refuses_asymmetric_and_hmac_keys() {
    let f = fixture().await;
    for (spec, usage) in [
        ("RSA_2048", "ENCRYPT_DECRYPT"),
        ("RSA_3072", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
    ] {
        let created = f
            .enclave
            .call("CreateKey", &json!({"KeySpec": spec, "KeyUsage": usage}))
            .await;
        let id = created.ok()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned();
        for op in OPS {
            f.enclave
                .call(op, &gdk(&id, json!({"KeySpec": "AES_256"})))
                .await
                .assert_error(
                    400,
                    "InvalidKeyUsageException",
                    &format!(
                        "{} key usage is {usage} which is not valid for {op}.",
                        key_arn(&id)
                    ),
                );
        }
    }
}

// "To get the type of your KMS key, use the DescribeKey operation." / "To get the type and origin
// of your KMS key, use the DescribeKey operation."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_key_tells_a_symmetric_encryption_key_from_an_asymmetric_one() {
    let f = fixture().await;
    let symmetric = f
        .enclave
        .call("DescribeKey", &json!({"KeyId": f.key}))
        .await;
    let meta = &symmetric.ok()["KeyMetadata"];
    assert_eq!(meta["KeySpec"], "SYMMETRIC_DEFAULT", "{meta}");
    assert_eq!(meta["KeyUsage"], "ENCRYPT_DECRYPT", "{meta}");
    assert_eq!(meta["Origin"], "AWS_KMS", "{meta}");
    assert_eq!(meta["EncryptionAlgorithms"], json!(["SYMMETRIC_DEFAULT"]));
    assert!(meta.get("CustomKeyStoreId").is_none(), "{meta}");
    let rsa = f
        .enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}),
        )
        .await;
    let rsa_id = rsa.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let described = f
        .enclave
        .call("DescribeKey", &json!({"KeyId": rsa_id}))
        .await;
    let meta = &described.ok()["KeyMetadata"];
    assert_eq!(meta["KeySpec"], "RSA_2048", "{meta}");
    assert_eq!(meta["Origin"], "AWS_KMS", "{meta}");
    // What DescribeKey says decides what GenerateDataKey does.
    f.enclave
        .call(
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_128"})),
        )
        .await
        .ok();
    assert_eq!(
        f.enclave
            .call(
                "GenerateDataKey",
                &gdk(&rsa_id, json!({"KeySpec": "AES_128"}))
            )
            .await
            .error_type(),
        "InvalidKeyUsageException"
    );
}

// "You cannot specify ... a KMS key in a custom key store." This service has no custom key
// stores, so no such key can come to exist: CreateKey in one is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_kms_key_in_a_custom_key_store_can_be_made_for_data_keys() {
    let f = fixture().await;
    let reply = f
        .enclave
        .call(
            "CreateKey",
            &json!({"CustomKeyStoreId": "cks-1234567890abcdef0", "Origin": "AWS_CLOUDHSM"}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "CustomKeyStoreNotFoundException"),
        "{}",
        reply.body
    );
    let listed = f.enclave.call("ListKeys", &json!({})).await;
    assert_eq!(listed.ok()["Keys"].as_array().unwrap().len(), 1);
}

// "Use either the KeySpec or NumberOfBytes parameters (but not both)." / "You must specify either
// the KeySpec or the NumberOfBytes parameter (but not both) in every GenerateDataKey request."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_rejects_both_key_spec_and_number_of_bytes() {
    let f = fixture().await;
    for op in OPS {
        f.enclave
            .call(
                op,
                &gdk(&f.key, json!({"KeySpec": "AES_256", "NumberOfBytes": 32})),
            )
            .await
            .assert_error(
                400,
                "ValidationException",
                "Please specify either number of bytes or key spec.",
            );
    }
}

// "You must also specify the length of the data key." / "You must specify either the KeySpec or
// the NumberOfBytes parameter (but not both) in every GenerateDataKey request."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_rejects_neither_key_spec_nor_number_of_bytes() {
    let f = fixture().await;
    for op in OPS {
        f.enclave
            .call(op, &gdk(&f.key, json!({})))
            .await
            .assert_error(
                400,
                "ValidationException",
                "Please specify either number of bytes or key spec.",
            );
    }
}

// "For 128-bit and 256-bit data keys, use the KeySpec parameter." / "Use AES_128 to generate a
// 128-bit symmetric key, or AES_256 to generate a 256-bit symmetric key."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_spec_aes_128_gives_16_bytes_and_aes_256_gives_32() {
    let f = fixture().await;
    for (spec, len) in [("AES_128", 16), ("AES_256", 32)] {
        let reply = f
            .enclave
            .call("GenerateDataKey", &gdk(&f.key, json!({"KeySpec": spec})))
            .await;
        assert_eq!(reply.blob("Plaintext").len(), len, "{spec}");
        assert_eq!(
            decrypt(&f.enclave, &reply.ok()["CiphertextBlob"])
                .await
                .len(),
            len
        );
        let without = f
            .enclave
            .call(
                "GenerateDataKeyWithoutPlaintext",
                &gdk(&f.key, json!({"KeySpec": spec})),
            )
            .await;
        assert_eq!(
            decrypt(&f.enclave, &without.ok()["CiphertextBlob"])
                .await
                .len(),
            len,
            "{spec}"
        );
    }
}

// "Specifies the length of the data key in bytes. For example, use the value 64 to generate a
// 512-bit data key (64 bytes is 512 bits)."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_of_bytes_gives_a_key_of_that_many_bytes_from_1_to_1024() {
    let f = fixture().await;
    for len in [64usize, 1, 1024] {
        let reply = f
            .enclave
            .call(
                "GenerateDataKey",
                &gdk(&f.key, json!({"NumberOfBytes": len})),
            )
            .await;
        let plaintext = reply.blob("Plaintext");
        assert_eq!(plaintext.len(), len);
        assert_eq!(
            decrypt(&f.enclave, &reply.ok()["CiphertextBlob"]).await,
            plaintext
        );
        let without = f
            .enclave
            .call(
                "GenerateDataKeyWithoutPlaintext",
                &gdk(&f.key, json!({"NumberOfBytes": len})),
            )
            .await;
        assert_eq!(
            decrypt(&f.enclave, &without.ok()["CiphertextBlob"])
                .await
                .len(),
            len
        );
    }
}

// "--number-of-bytes (integer) Specifies the length of the data key in bytes." (the model allows
// 1 to 1024)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_of_bytes_outside_1_to_1024_is_a_validation_error() {
    let f = fixture().await;
    for op in OPS {
        f.enclave
            .call(op, &gdk(&f.key, json!({"NumberOfBytes": 1025})))
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
            );
        f.enclave
            .call(op, &gdk(&f.key, json!({"NumberOfBytes": 0})))
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
            );
    }
}

// "--key-spec ... Possible values: AES_256, AES_128"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_spec_other_than_aes_128_or_aes_256_is_a_validation_error() {
    let f = fixture().await;
    for op in OPS {
        for spec in ["AES_512", "aes_256", "SYMMETRIC_DEFAULT"] {
            f.enclave
                .call(op, &gdk(&f.key, json!({"KeySpec": spec})))
                .await
                .assert_error(
                    400,
                    "ValidationException",
                    &format!(
                        "1 validation error detected: Value '{spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
                    ),
                );
        }
    }
}

// "If you specify an EncryptionContext, you must specify the same encryption context (a
// case-sensitive exact match) when decrypting the encrypted data key. Otherwise, the request to
// decrypt fails with an InvalidCiphertextException."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_requires_the_exact_case_sensitive_encryption_context() {
    let f = fixture().await;
    let context = json!({"Department": "Finance", "Purpose": "Payroll"});
    for op in OPS {
        let reply = f
            .enclave
            .call(
                op,
                &gdk(
                    &f.key,
                    json!({"KeySpec": "AES_256", "EncryptionContext": context}),
                ),
            )
            .await;
        let blob = reply.ok()["CiphertextBlob"].clone();
        let ok = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": blob, "EncryptionContext": context}),
            )
            .await;
        assert_eq!(ok.blob("Plaintext").len(), 32);
        if op == "GenerateDataKey" {
            assert_eq!(ok.blob("Plaintext"), reply.blob("Plaintext"));
        }
        // The same pairs in another order are the same context.
        let reordered = json!({"Purpose": "Payroll", "Department": "Finance"});
        f.enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": blob, "EncryptionContext": reordered}),
            )
            .await
            .ok();
        for wrong in [
            Value::Null,
            json!({}),
            json!({"Department": "finance", "Purpose": "Payroll"}),
            json!({"department": "Finance", "Purpose": "Payroll"}),
            json!({"Department": "Finance"}),
            json!({"Department": "Finance", "Purpose": "Payroll", "Extra": "x"}),
            json!({"DepartmentF": "inance", "Purpose": "Payroll"}),
        ] {
            let mut body = json!({"CiphertextBlob": blob});
            if !wrong.is_null() {
                body["EncryptionContext"] = wrong.clone();
            }
            let reply = f.enclave.call("Decrypt", &body).await;
            reply.assert_error(400, "InvalidCiphertextException", "");
            assert!(reply.body.get("message").is_none(), "{}", reply.body);
        }
    }
    // And a data key made without a context cannot be decrypted with one.
    let plain = f
        .enclave
        .call(
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await;
    f.enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": plain.ok()["CiphertextBlob"], "EncryptionContext": context}),
        )
        .await
        .assert_error(400, "InvalidCiphertextException", "");
}

// "To specify a KMS key, use its key ID, key ARN, alias name, or alias ARN."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_may_be_named_by_id_arn_alias_name_or_alias_arn() {
    let f = fixture().await;
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/ExampleAlias", "TargetKeyId": f.key}),
        )
        .await
        .ok();
    for name in [
        f.key.clone(),
        key_arn(&f.key),
        "alias/ExampleAlias".to_owned(),
        alias_arn("ExampleAlias"),
    ] {
        for op in OPS {
            let reply = f
                .enclave
                .call(op, &json!({"KeyId": name, "KeySpec": "AES_128"}))
                .await;
            assert_eq!(reply.ok()["KeyId"], key_arn(&f.key), "{op} {name}");
            let plaintext = decrypt(&f.enclave, &reply.ok()["CiphertextBlob"]).await;
            assert_eq!(plaintext.len(), 16, "{op} {name}");
        }
    }
}

// "When using an alias name, prefix it with "alias/"."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_name_without_the_alias_prefix_names_no_key() {
    let f = fixture().await;
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/ExampleAlias", "TargetKeyId": f.key}),
        )
        .await
        .ok();
    for op in OPS {
        f.enclave
            .call(op, &json!({"KeyId": "ExampleAlias", "KeySpec": "AES_128"}))
            .await
            .assert_error(400, "NotFoundException", "Invalid keyId 'ExampleAlias'");
        // An alias that does not exist is not found either.
        f.enclave
            .call(op, &json!({"KeyId": "alias/Missing", "KeySpec": "AES_128"}))
            .await
            .assert_error(
                400,
                "NotFoundException",
                &format!("Alias {} is not found.", alias_arn("Missing")),
            );
    }
}

// "The KMS key that you use for this operation must be in a compatible key state." / "The result
// of this operation varies with the key state of the CMK."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_or_pending_deletion_key_cannot_make_data_keys() {
    let f = fixture().await;
    f.enclave
        .call("DisableKey", &json!({"KeyId": f.key}))
        .await
        .ok();
    for op in OPS {
        f.enclave
            .call(op, &gdk(&f.key, json!({"KeySpec": "AES_256"})))
            .await
            .assert_error(
                400,
                "DisabledException",
                &format!("{} is disabled.", key_arn(&f.key)),
            );
    }
    // Enabled again, it works again.
    f.enclave
        .call("EnableKey", &json!({"KeyId": f.key}))
        .await
        .ok();
    for op in OPS {
        f.enclave
            .call(op, &gdk(&f.key, json!({"KeySpec": "AES_256"})))
            .await
            .ok();
    }
    f.enclave
        .call(
            "ScheduleKeyDeletion",
            &json!({"KeyId": f.key, "PendingWindowInDays": 7}),
        )
        .await
        .ok();
    for op in OPS {
        f.enclave
            .call(op, &gdk(&f.key, json!({"KeySpec": "AES_256"})))
            .await
            .assert_error(
                400,
                "KMSInvalidStateException",
                &format!("{} is pending deletion.", key_arn(&f.key)),
            );
    }
}

// "--grant-tokens (list) A list of grant tokens." (the model allows at most 10)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_to_ten_grant_tokens_are_accepted_and_eleven_are_not() {
    let f = fixture().await;
    // Accepted tokens must be ones this service made (issue 18); the count rule is the model's.
    let grant = f
        .enclave
        .call(
            "CreateGrant",
            &json!({"KeyId": f.key, "GranteePrincipal": "arn:aws:iam::111122223333:user/bob", "Operations": ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"]}),
        )
        .await;
    let ten = vec![grant.ok()["GrantToken"].clone(); 10];
    let eleven: Vec<String> = (1..=11).map(|i| format!("t{i}")).collect();
    for op in OPS {
        f.enclave
            .call(
                op,
                &gdk(&f.key, json!({"KeySpec": "AES_256", "GrantTokens": ten})),
            )
            .await
            .ok();
        f.enclave
            .call(
                op,
                &gdk(&f.key, json!({"KeySpec": "AES_256", "GrantTokens": eleven})),
            )
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value '[t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10",
            );
    }
}

// "GenerateDataKeyWithoutPlaintext is identical to GenerateDataKey except that returns only the
// encrypted copy of the data key." / "To get only an encrypted copy of the data key, use
// GenerateDataKeyWithoutPlaintext."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_plaintext_returns_only_the_encrypted_copy_which_decrypt_opens() {
    let f = fixture().await;
    let reply = f
        .enclave
        .call(
            "GenerateDataKeyWithoutPlaintext",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await;
    let body = reply.ok();
    assert!(body.get("Plaintext").is_none(), "{body}");
    assert!(body.get("CiphertextForRecipient").is_none(), "{body}");
    assert_eq!(body["KeyId"], key_arn(&f.key));
    assert!(!reply.blob("CiphertextBlob").is_empty());
    let later = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": body["CiphertextBlob"]}),
        )
        .await;
    assert_eq!(later.blob("Plaintext").len(), 32);
    assert_eq!(later.ok()["KeyId"], key_arn(&f.key));
}

// "This operation is useful for systems that need to encrypt data at some point, but not
// immediately. When you need to encrypt the data, you call the Decrypt operation on the encrypted
// copy of the key."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_plaintext_data_keys_still_decrypt_after_the_enclave_restarts() {
    let f = fixture().await;
    let reply = f
        .enclave
        .call(
            "GenerateDataKeyWithoutPlaintext",
            &gdk(
                &f.key,
                json!({"NumberOfBytes": 48, "EncryptionContext": {"container": "c-1"}}),
            ),
        )
        .await;
    let blob = reply.ok()["CiphertextBlob"].clone();
    let now = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": blob, "EncryptionContext": {"container": "c-1"}}),
        )
        .await
        .blob("Plaintext");
    assert_eq!(now.len(), 48);
    let (world, parent) = (f.world(), f.parent());
    let Fixture { dir, enclave, .. } = f;
    assert_eq!(enclave.terminate().await, Some(0));
    let restarted = Enclave::start(&world, &parent, &[]).await;
    let later = restarted
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": blob, "EncryptionContext": {"container": "c-1"}}),
        )
        .await
        .blob("Plaintext");
    assert_eq!(later, now);
    drop(dir);
}

// "It's also useful in distributed systems with different levels of trust. ... In this system,
// the component that creates the containers never sees the plaintext data key."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_allowed_only_without_plaintext_never_sees_the_plaintext() {
    let f = fixture().await;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TheWriterComponent",
                "Effect": "Allow",
                "Principal": {"AWS": ALICE},
                "Action": "kms:*",
                "Resource": "*"
            },
            {
                "Sid": "TheContainerCreator",
                "Effect": "Allow",
                "Principal": {"AWS": BOB},
                "Action": "kms:GenerateDataKeyWithoutPlaintext",
                "Resource": "*"
            }
        ]
    })
    .to_string();
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": f.key, "PolicyName": "default", "Policy": policy}),
        )
        .await
        .ok();
    let created = f
        .enclave
        .call_as(
            BOB,
            "GenerateDataKeyWithoutPlaintext",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await;
    let blob = created.ok()["CiphertextBlob"].clone();
    assert!(created.ok().get("Plaintext").is_none());
    let arn = key_arn(&f.key);
    f.enclave
        .call_as(BOB, "Decrypt", &json!({"CiphertextBlob": blob}))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied(BOB, "kms:Decrypt", &arn),
        );
    f.enclave
        .call_as(
            BOB,
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied(BOB, "kms:GenerateDataKey", &arn),
        );
    // The other component decrypts the key the creator stored.
    assert_eq!(decrypt(&f.enclave, &blob).await.len(), 32);
}

// GenerateDataKeyWithoutPlaintext has no Recipient member ("returns only the encrypted copy of
// the data key"): like every unknown member, AWS's parser ignores it, and still no plaintext —
// neither in Plaintext nor wrapped in CiphertextForRecipient — comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_plaintext_ignores_a_recipient_and_still_returns_no_plaintext() {
    let f = fixture().await;
    let (_app_key, document) = attested_app(&f.world());
    let reply = f
        .enclave
        .call(
            "GenerateDataKeyWithoutPlaintext",
            &gdk(
                &f.key,
                json!({"NumberOfBytes": 24, "Recipient": recipient_member(&document)}),
            ),
        )
        .await;
    let body = reply.ok();
    assert!(body.get("Plaintext").is_none(), "{body}");
    assert!(body.get("CiphertextForRecipient").is_none(), "{body}");
    assert_eq!(body["KeyId"], key_arn(&f.key));
    assert_eq!(decrypt(&f.enclave, &body["CiphertextBlob"]).await.len(), 24);
}

// "Applications in Amazon Web Services Nitro Enclaves can call this operation by using the Amazon
// Web Services Nitro Enclaves Development Kit."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nitro_enclave_recipient_gets_the_data_key_wrapped_for_it_and_no_plaintext() {
    let f = fixture().await;
    let (app_key, document) = attested_app(&f.world());
    let reply = f
        .enclave
        .call(
            "GenerateDataKey",
            &gdk(
                &f.key,
                json!({"KeySpec": "AES_256", "Recipient": recipient_member(&document)}),
            ),
        )
        .await;
    let body = reply.ok();
    assert!(body.get("Plaintext").is_none(), "{body}");
    assert_eq!(body["KeyId"], key_arn(&f.key));
    let data_key = recipient::decrypt(&reply.blob("CiphertextForRecipient"), &app_key).unwrap();
    assert_eq!(data_key.len(), 32);
    assert_eq!(
        decrypt(&f.enclave, &body["CiphertextBlob"]).await,
        data_key.expose()
    );
}

// "Required permissions: kms:GenerateDataKey (key policy)"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_policy_must_allow_kms_generate_data_key() {
    let f = fixture().await;
    let arn = key_arn(&f.key);
    // Everything but kms:GenerateDataKey (PutKeyPolicy included, so the lockout check passes).
    let all_but = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
            "NotAction": "kms:GenerateDataKey",
            "Resource": "*"
        }]
    })
    .to_string();
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": f.key, "PolicyName": "default", "Policy": all_but}),
        )
        .await
        .ok();
    f.enclave
        .call(
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied(ALICE, "kms:GenerateDataKey", &arn),
        );
    // The actions it does allow still work.
    let without = f
        .enclave
        .call(
            "GenerateDataKeyWithoutPlaintext",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await;
    assert_eq!(
        decrypt(&f.enclave, &without.ok()["CiphertextBlob"])
            .await
            .len(),
        32
    );
    // Only kms:GenerateDataKey: the lockout safety check refuses it unless bypassed.
    let only = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": ALICE},
            "Action": "kms:GenerateDataKey",
            "Resource": "*"
        }]
    })
    .to_string();
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": f.key, "PolicyName": "default", "Policy": only}),
        )
        .await
        .assert_error(
            400,
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
        );
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({
                "KeyId": f.key,
                "PolicyName": "default",
                "Policy": only,
                "BypassPolicyLockoutSafetyCheck": true
            }),
        )
        .await
        .ok();
    // kms:GenerateDataKey alone is enough for GenerateDataKey ...
    let reply = f
        .enclave
        .call(
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await;
    assert_eq!(reply.blob("Plaintext").len(), 32);
    // ... and grants nothing else.
    f.enclave
        .call(
            "GenerateDataKeyWithoutPlaintext",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied(ALICE, "kms:GenerateDataKeyWithoutPlaintext", &arn),
        );
    f.enclave
        .call_as(
            BOB,
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied(BOB, "kms:GenerateDataKey", &arn),
        );
}

// "Cross-account use: Yes. To perform this operation with a KMS key in a different Amazon Web
// Services account, specify the key ARN or alias ARN in the value of the KeyId parameter." This
// service holds one account's keys: a caller of another account is denied by the key policy, and
// an ARN of another account names no key any policy here allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_and_key_arns_of_another_account_are_denied() {
    let f = fixture().await;
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/Shared", "TargetKeyId": f.key}),
        )
        .await
        .ok();
    let arn = key_arn(&f.key);
    for op in OPS {
        let action = format!("kms:{op}");
        for name in [arn.clone(), alias_arn("Shared")] {
            f.enclave
                .call_as(MALLORY, op, &gdk(&name, json!({"KeySpec": "AES_256"})))
                .await
                .assert_error(
                    400,
                    "AccessDeniedException",
                    &denied(MALLORY, &action, &arn),
                );
        }
        for foreign in [
            format!("arn:aws:kms:{REGION}:444455556666:key/{}", f.key),
            format!("arn:aws:kms:{REGION}:444455556666:alias/Shared"),
        ] {
            f.enclave
                .call(op, &json!({"KeyId": foreign, "KeySpec": "AES_256"}))
                .await
                .assert_error(
                    400,
                    "AccessDeniedException",
                    &denied(ALICE, &action, &foreign),
                );
        }
    }
}

// DryRun (a member of both requests in the service model): checks everything, changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_answers_dry_run_operation_exception_when_the_request_would_succeed() {
    let f = fixture().await;
    for op in OPS {
        f.enclave
            .call(
                op,
                &gdk(&f.key, json!({"KeySpec": "AES_256", "DryRun": true})),
            )
            .await
            .assert_error(
                400,
                "DryRunOperationException",
                "The request would have succeeded, but the DryRun option is set.",
            );
        f.enclave
            .call(
                op,
                &gdk(&f.key, json!({"KeySpec": "AES_256", "DryRun": false})),
            )
            .await
            .ok();
    }
    // A request that would fail reports its real error, not the dry run.
    f.enclave
        .call("DisableKey", &json!({"KeyId": f.key}))
        .await
        .ok();
    for op in OPS {
        f.enclave
            .call(
                op,
                &gdk(&f.key, json!({"KeySpec": "AES_256", "DryRun": true})),
            )
            .await
            .assert_error(
                400,
                "DisabledException",
                &format!("{} is disabled.", key_arn(&f.key)),
            );
    }
}
