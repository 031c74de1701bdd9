#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One test per requirement in the two seed pages (`shared/seeds/`: the AWS CLI pages of
//! generate-data-key and generate-data-key-without-plaintext), driven through the frame protocol
//! against the real simulated enclave. Each test quotes the sentence it pins.

use nitro_kms_tests::enclave::{ALICE, Enclave, MALLORY, alias_arn, key_arn};
use serde_json::{Value, json};

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

fn gdk(key: &str, extra: Value) -> Value {
    let mut body = json!({"KeyId": key});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

// "This operation returns a plaintext copy of the data key and a copy that is encrypted under a
// symmetric encryption KMS key that you specify." / OUTPUT: CiphertextBlob, Plaintext, KeyId (the
// key ARN).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_returns_plaintext_and_a_copy_encrypted_under_the_named_key() {
    let f = fixture().await;
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
    let decrypted = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": body["CiphertextBlob"]}),
        )
        .await;
    assert_eq!(decrypted.blob("Plaintext"), plaintext);
    assert_eq!(decrypted.ok()["KeyId"], key_arn(&f.key));
}

// "The bytes in the plaintext key are random; they are not related to the caller or the KMS key."
// / "returns a unique data key for each request".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_returns_a_different_random_key_every_time() {
    let f = fixture().await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let reply = f
            .enclave
            .call(
                "GenerateDataKey",
                &gdk(&f.key, json!({"KeySpec": "AES_256"})),
            )
            .await;
        let key = reply.blob("Plaintext");
        assert_ne!(key, vec![0u8; 32]);
        assert!(seen.insert(key), "a data key repeated");
        let reply = f
            .enclave
            .call(
                "GenerateDataKeyWithoutPlaintext",
                &gdk(&f.key, json!({"KeySpec": "AES_256"})),
            )
            .await;
        assert!(seen.insert(reply.blob("CiphertextBlob")));
    }
}

// "You cannot use an asymmetric KMS key to encrypt data keys."
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
        for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
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

// "Use either the KeySpec or NumberOfBytes parameters (but not both)." / "You must specify either
// the KeySpec or the NumberOfBytes parameter (but not both) in every GenerateDataKey request."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_rejects_both_key_spec_and_number_of_bytes() {
    let f = fixture().await;
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_rejects_neither_key_spec_nor_number_of_bytes() {
    let f = fixture().await;
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
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

// "Use AES_128 to generate a 128-bit symmetric key, or AES_256 to generate a 256-bit symmetric
// key." / "use the value 64 to generate a 512-bit data key (64 bytes is 512 bits)".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_spec_and_number_of_bytes_set_the_data_key_length() {
    let f = fixture().await;
    for (extra, len) in [
        (json!({"KeySpec": "AES_128"}), 16),
        (json!({"KeySpec": "AES_256"}), 32),
        (json!({"NumberOfBytes": 64}), 64),
        (json!({"NumberOfBytes": 1}), 1),
        (json!({"NumberOfBytes": 1024}), 1024),
    ] {
        let reply = f
            .enclave
            .call("GenerateDataKey", &gdk(&f.key, extra.clone()))
            .await;
        assert_eq!(reply.blob("Plaintext").len(), len, "{extra}");
        let without = f
            .enclave
            .call(
                "GenerateDataKeyWithoutPlaintext",
                &gdk(&f.key, extra.clone()),
            )
            .await;
        let decrypted = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": without.ok()["CiphertextBlob"]}),
            )
            .await;
        assert_eq!(decrypted.blob("Plaintext").len(), len, "{extra}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_of_bytes_outside_1_to_1024_is_a_validation_error() {
    let f = fixture().await;
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_key_spec_is_a_validation_error() {
    let f = fixture().await;
    f.enclave
        .call("GenerateDataKey", &gdk(&f.key, json!({"KeySpec": "AES_512"})))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]",
        );
}

// "If you specify an EncryptionContext, you must specify the same encryption context (a
// case-sensitive exact match) when decrypting the encrypted data key. Otherwise, the request to
// decrypt fails with an InvalidCiphertextException."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_requires_the_exact_case_sensitive_encryption_context() {
    let f = fixture().await;
    let context = json!({"Department": "Finance", "Purpose": "Payroll"});
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
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
}

// "To specify a KMS key, use its key ID, key ARN, alias name, or alias ARN. When using an alias
// name, prefix it with "alias/"."
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
        for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
            let reply = f
                .enclave
                .call(op, &json!({"KeyId": name, "KeySpec": "AES_128"}))
                .await;
            assert_eq!(reply.ok()["KeyId"], key_arn(&f.key), "{op} {name}");
        }
    }
}

// "The KMS key that you use for this operation must be in a compatible key state."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_or_pending_deletion_key_cannot_make_data_keys() {
    let f = fixture().await;
    f.enclave
        .call("DisableKey", &json!({"KeyId": f.key}))
        .await
        .ok();
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
        f.enclave
            .call(op, &gdk(&f.key, json!({"KeySpec": "AES_256"})))
            .await
            .assert_error(
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
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
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

// "--grant-tokens (list) A list of grant tokens."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_to_ten_grant_tokens_are_accepted_and_eleven_are_not() {
    let f = fixture().await;
    let ten: Vec<String> = (1..=10).map(|i| format!("t{i}")).collect();
    f.enclave
        .call(
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256", "GrantTokens": ten})),
        )
        .await
        .ok();
    let eleven: Vec<String> = (1..=11).map(|i| format!("t{i}")).collect();
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
        f.enclave
            .call(op, &gdk(&f.key, json!({"KeySpec": "AES_256", "GrantTokens": eleven})))
            .await
            .assert_error(
                400,
                "ValidationException",
                "1 validation error detected: Value '[t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10",
            );
    }
}

// "GenerateDataKeyWithoutPlaintext is identical to GenerateDataKey except that it returns only
// the encrypted copy of the data key." / "When you need to encrypt the data, you call the Decrypt
// operation on the encrypted copy of the key."
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_plaintext_returns_only_the_encrypted_copy_which_decrypt_opens_later() {
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
    let later = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": body["CiphertextBlob"]}),
        )
        .await;
    assert_eq!(later.blob("Plaintext").len(), 32);
}

// "Required permissions: kms:GenerateDataKey (key policy)"
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_policy_must_allow_kms_generate_data_key() {
    let f = fixture().await;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": ["kms:Describe*", "kms:PutKeyPolicy", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt"],
            "Resource": "*"
        }]
    })
    .to_string();
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": f.key, "PolicyName": "default", "Policy": policy}),
        )
        .await
        .ok();
    f.enclave
        .call("GenerateDataKey", &gdk(&f.key, json!({"KeySpec": "AES_256"})))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!(
                "User: {ALICE} is not authorized to perform: kms:GenerateDataKey on resource: {} because no resource-based policy allows the kms:GenerateDataKey action",
                key_arn(&f.key)
            ),
        );
    // The action it does allow still works.
    f.enclave
        .call(
            "GenerateDataKeyWithoutPlaintext",
            &gdk(&f.key, json!({"KeySpec": "AES_256"})),
        )
        .await
        .ok();
}

// "To perform this operation with a KMS key in a different Amazon Web Services account, specify
// the key ARN or alias ARN": this service holds one account's keys, so a caller of another
// account is denied by the key policy, and an ARN of another account names no key we may use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_and_key_arns_of_another_account_are_denied() {
    let f = fixture().await;
    f.enclave
        .call_as(MALLORY, "GenerateDataKey", &gdk(&key_arn(&f.key), json!({"KeySpec": "AES_256"})))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!(
                "User: {MALLORY} is not authorized to perform: kms:GenerateDataKey on resource: {} because no resource-based policy allows the kms:GenerateDataKey action",
                key_arn(&f.key)
            ),
        );
    let foreign = format!("arn:aws:kms:us-east-1:444455556666:key/{}", f.key);
    f.enclave
        .call("GenerateDataKey", &json!({"KeyId": foreign, "KeySpec": "AES_256"}))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!(
                "User: {ALICE} is not authorized to perform: kms:GenerateDataKey on resource: {foreign} because no resource-based policy allows the kms:GenerateDataKey action"
            ),
        );
}

// DryRun (a member of both requests in the service model): checks everything, changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_answers_dry_run_operation_exception_when_the_request_would_succeed() {
    let f = fixture().await;
    for op in ["GenerateDataKey", "GenerateDataKeyWithoutPlaintext"] {
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
    }
    // A request that would fail reports its real error, not the dry run.
    f.enclave
        .call("DisableKey", &json!({"KeyId": f.key}))
        .await
        .ok();
    f.enclave
        .call(
            "GenerateDataKey",
            &gdk(&f.key, json!({"KeySpec": "AES_256", "DryRun": true})),
        )
        .await
        .assert_error(
            400,
            "DisabledException",
            &format!("{} is disabled.", key_arn(&f.key)),
        );
}
