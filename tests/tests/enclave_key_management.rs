#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The key management operations end to end through frames: metadata, listing and paging,
//! aliases, key states and deletion scheduling, policies (lockout check, explicit deny), tags,
//! Encrypt/Decrypt/ReEncrypt, data key pairs and GenerateRandom.

use nitro_kms_common::crypto;
use nitro_kms_tests::enclave::{ACCOUNT, ALICE, Enclave, alias_arn, key_arn};
use serde_json::{Value, json};

struct Fixture {
    _dir: tempfile::TempDir,
    enclave: Enclave,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    Fixture { _dir: dir, enclave }
}

impl Fixture {
    async fn ok(&self, op: &str, body: Value) -> Value {
        self.enclave.call(op, &body).await.ok().clone()
    }

    async fn key(&self, body: Value) -> String {
        self.ok("CreateKey", body).await["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_and_describe_key_return_aws_key_metadata() {
    let f = fixture().await;
    let created = f.ok("CreateKey", json!({"Description": "payroll"})).await;
    let meta = &created["KeyMetadata"];
    let id = meta["KeyId"].as_str().unwrap();
    assert_eq!(meta["Arn"], key_arn(id));
    assert_eq!(meta["AWSAccountId"], ACCOUNT);
    assert_eq!(meta["KeyState"], "Enabled");
    assert_eq!(meta["Enabled"], true);
    assert_eq!(meta["KeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["CustomerMasterKeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["KeyUsage"], "ENCRYPT_DECRYPT");
    assert_eq!(meta["EncryptionAlgorithms"], json!(["SYMMETRIC_DEFAULT"]));
    assert_eq!(meta["KeyManager"], "CUSTOMER");
    assert_eq!(meta["Origin"], "AWS_KMS");
    assert_eq!(meta["MultiRegion"], false);
    assert_eq!(meta["Description"], "payroll");
    assert!(meta["CreationDate"].is_number());
    assert_eq!(meta["CurrentKeyMaterialId"].as_str().unwrap().len(), 64);
    let described = f.ok("DescribeKey", json!({"KeyId": id})).await;
    assert_eq!(described["KeyMetadata"], *meta);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asymmetric_and_hmac_keys_are_described_with_their_algorithms() {
    let f = fixture().await;
    let rsa = f
        .ok(
            "CreateKey",
            json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}),
        )
        .await;
    assert_eq!(
        rsa["KeyMetadata"]["SigningAlgorithms"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert!(rsa["KeyMetadata"].get("EncryptionAlgorithms").is_none());
    let rsa_enc = f
        .ok(
            "CreateKey",
            json!({"KeySpec": "RSA_4096", "KeyUsage": "ENCRYPT_DECRYPT"}),
        )
        .await;
    assert_eq!(
        rsa_enc["KeyMetadata"]["EncryptionAlgorithms"],
        json!(["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
    );
    let ecc = f
        .ok(
            "CreateKey",
            json!({"KeySpec": "ECC_NIST_P384", "KeyUsage": "SIGN_VERIFY"}),
        )
        .await;
    assert_eq!(
        ecc["KeyMetadata"]["SigningAlgorithms"],
        json!(["ECDSA_SHA_384"])
    );
    let hmac = f
        .ok(
            "CreateKey",
            json!({"KeySpec": "HMAC_512", "KeyUsage": "GENERATE_VERIFY_MAC"}),
        )
        .await;
    assert_eq!(
        hmac["KeyMetadata"]["MacAlgorithms"],
        json!(["HMAC_SHA_512"])
    );
    assert_eq!(hmac["KeyMetadata"]["KeySpec"], "HMAC_512");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_keys_pages_with_limit_and_marker() {
    let f = fixture().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(f.key(json!({})).await);
    }
    created.sort();
    let mut listed = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut body = json!({"Limit": 2});
        if let Some(m) = &marker {
            body["Marker"] = Value::from(m.clone());
        }
        let page = f.ok("ListKeys", body).await;
        for k in page["Keys"].as_array().unwrap() {
            assert_eq!(k["KeyArn"], key_arn(k["KeyId"].as_str().unwrap()));
            listed.push(k["KeyId"].as_str().unwrap().to_owned());
        }
        if page["Truncated"] == false {
            assert!(page.get("NextMarker").is_none());
            break;
        }
        marker = Some(page["NextMarker"].as_str().unwrap().to_owned());
    }
    assert_eq!(listed, created);
    f.enclave
        .call("ListKeys", &json!({"Marker": "bogus"}))
        .await
        .assert_error(400, "InvalidMarkerException", "Invalid marker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_are_created_listed_retargeted_and_deleted() {
    let f = fixture().await;
    let a = f.key(json!({})).await;
    let b = f.key(json!({})).await;
    f.ok(
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": key_arn(&a)}),
    )
    .await;
    let listed = f.ok("ListAliases", json!({})).await;
    let entry = &listed["Aliases"][0];
    assert_eq!(entry["AliasName"], "alias/app");
    assert_eq!(entry["AliasArn"], alias_arn("app"));
    assert_eq!(entry["TargetKeyId"], Value::from(a.clone()));
    assert!(entry["CreationDate"].is_number());
    let by_alias = f.ok("DescribeKey", json!({"KeyId": "alias/app"})).await;
    assert_eq!(by_alias["KeyMetadata"]["KeyId"], Value::from(a.clone()));
    f.ok(
        "UpdateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": b}),
    )
    .await;
    let by_alias = f
        .ok("DescribeKey", json!({"KeyId": alias_arn("app")}))
        .await;
    assert_eq!(by_alias["KeyMetadata"]["KeyId"], Value::from(b.clone()));
    // Filtered by key.
    assert_eq!(
        f.ok("ListAliases", json!({"KeyId": a})).await["Aliases"],
        json!([])
    );
    assert_eq!(
        f.ok("ListAliases", json!({"KeyId": b})).await["Aliases"][0]["AliasName"],
        "alias/app"
    );
    f.ok("DeleteAlias", json!({"AliasName": "alias/app"})).await;
    f.enclave
        .call("DescribeKey", &json!({"KeyId": "alias/app"}))
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!("Alias {} is not found.", alias_arn("app")),
        );
    f.enclave
        .call("DeleteAlias", &json!({"AliasName": "alias/app"}))
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!("Alias {} is not found.", alias_arn("app")),
        );
    // An alias cannot point at an alias, and alias/aws/ is reserved.
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/x", "TargetKeyId": "alias/app"}),
        )
        .await
        .assert_error(400, "NotFoundException", "Invalid keyId 'alias/app'");
    let reply = f
        .enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/aws/mine", "TargetKeyId": a}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "InvalidAliasNameException")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enable_disable_schedule_and_cancel_move_the_key_through_its_states() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    let state = |v: Value| v["KeyMetadata"]["KeyState"].as_str().unwrap().to_owned();
    f.ok("DisableKey", json!({"KeyId": k})).await;
    assert_eq!(
        state(f.ok("DescribeKey", json!({"KeyId": k})).await),
        "Disabled"
    );
    f.ok("EnableKey", json!({"KeyId": k})).await;
    assert_eq!(
        state(f.ok("DescribeKey", json!({"KeyId": k})).await),
        "Enabled"
    );

    let scheduled = f.ok("ScheduleKeyDeletion", json!({"KeyId": k})).await;
    assert_eq!(scheduled["KeyId"], key_arn(&k));
    assert_eq!(scheduled["KeyState"], "PendingDeletion");
    assert_eq!(scheduled["PendingWindowInDays"], 30);
    let described = f.ok("DescribeKey", json!({"KeyId": k})).await;
    assert_eq!(described["KeyMetadata"]["PendingDeletionWindowInDays"], 30);
    assert_eq!(
        described["KeyMetadata"]["DeletionDate"],
        scheduled["DeletionDate"]
    );
    let created = described["KeyMetadata"]["CreationDate"].as_f64().unwrap();
    let deletion = scheduled["DeletionDate"].as_f64().unwrap();
    assert!(
        (deletion - created - 30.0 * 86400.0).abs() < 60.0,
        "{deletion} vs {created}"
    );
    // Pending deletion: enabling, disabling or scheduling again is an invalid state.
    let pending = format!("{} is pending deletion.", key_arn(&k));
    for op in ["EnableKey", "DisableKey", "ScheduleKeyDeletion"] {
        f.enclave.call(op, &json!({"KeyId": k})).await.assert_error(
            400,
            "KMSInvalidStateException",
            &pending,
        );
    }
    let cancelled = f.ok("CancelKeyDeletion", json!({"KeyId": k})).await;
    assert_eq!(cancelled["KeyId"], key_arn(&k));
    assert_eq!(
        state(f.ok("DescribeKey", json!({"KeyId": k})).await),
        "Disabled"
    );
    // message not recorded from AWS
    f.enclave
        .call("CancelKeyDeletion", &json!({"KeyId": k}))
        .await
        .assert_error(
            400,
            "KMSInvalidStateException",
            &format!("{} is not pending deletion.", key_arn(&k)),
        );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deletion_window_must_be_7_to_30_days() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    for (days, bound) in [
        (6, "greater than or equal to 7"),
        (31, "less than or equal to 30"),
    ] {
        // message not recorded from AWS (the model says 1..365; the service 7..30)
        f.enclave
            .call("ScheduleKeyDeletion", &json!({"KeyId": k, "PendingWindowInDays": days}))
            .await
            .assert_error(
                400,
                "ValidationException",
                &format!("1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value {bound}"),
            );
    }
    let scheduled = f
        .ok(
            "ScheduleKeyDeletion",
            json!({"KeyId": k, "PendingWindowInDays": 7}),
        )
        .await;
    assert_eq!(scheduled["PendingWindowInDays"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_policies_round_trip_refuse_malformed_and_lockout_and_explicit_deny_wins() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    let default = f.ok("GetKeyPolicy", json!({"KeyId": k})).await;
    assert_eq!(default["PolicyName"], "default");
    assert!(
        default["Policy"]
            .as_str()
            .unwrap()
            .contains("arn:aws:iam::111122223333:root")
    );

    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "All", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "NoEncrypt", "Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": "kms:Encrypt", "Resource": "*"}
        ]
    })
    .to_string();
    f.ok(
        "PutKeyPolicy",
        json!({"KeyId": k, "PolicyName": "default", "Policy": policy}),
    )
    .await;
    // Returned verbatim.
    assert_eq!(
        f.ok("GetKeyPolicy", json!({"KeyId": k})).await["Policy"],
        policy
    );
    // The Deny beats the Allow for that one action.
    f.enclave
        .call("Encrypt", &json!({"KeyId": k, "Plaintext": "AQID"}))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:Encrypt on resource: {} with an explicit deny in a resource-based policy", key_arn(&k)),
        );
    f.ok("GenerateDataKey", json!({"KeyId": k, "KeySpec": "AES_256"}))
        .await;

    let reply = f
        .enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": k, "PolicyName": "default", "Policy": "{not json"}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "MalformedPolicyDocumentException")
    );

    let lockout = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*"}]
    })
    .to_string();
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": k, "PolicyName": "default", "Policy": lockout}),
        )
        .await
        .assert_error(
            400,
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
        );
    f.ok(
        "PutKeyPolicy",
        json!({"KeyId": k, "PolicyName": "default", "Policy": lockout, "BypassPolicyLockoutSafetyCheck": true}),
    )
    .await;
    // Now even reading the policy is denied: the key is locked, as on AWS.
    let reply = f.enclave.call("GetKeyPolicy", &json!({"KeyId": k})).await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "AccessDeniedException")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_are_added_overwritten_listed_and_removed() {
    let f = fixture().await;
    let k = f
        .key(json!({"Tags": [{"TagKey": "team", "TagValue": "red"}]}))
        .await;
    f.ok(
        "TagResource",
        json!({"KeyId": k, "Tags": [{"TagKey": "team", "TagValue": "blue"}, {"TagKey": "env", "TagValue": "dev"}]}),
    )
    .await;
    let listed = f.ok("ListResourceTags", json!({"KeyId": k})).await;
    assert_eq!(
        listed["Tags"],
        json!([{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "team", "TagValue": "blue"}])
    );
    assert_eq!(listed["Truncated"], false);
    f.ok(
        "UntagResource",
        json!({"KeyId": k, "TagKeys": ["team", "absent"]}),
    )
    .await;
    let listed = f.ok("ListResourceTags", json!({"KeyId": k})).await;
    assert_eq!(
        listed["Tags"],
        json!([{"TagKey": "env", "TagValue": "dev"}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypt_decrypt_and_re_encrypt_round_trip() {
    let f = fixture().await;
    let a = f.key(json!({})).await;
    let b = f.key(json!({})).await;
    let enc = f
        .ok(
            "Encrypt",
            json!({"KeyId": a, "Plaintext": "c2VjcmV0", "EncryptionContext": {"x": "1"}}),
        )
        .await;
    assert_eq!(enc["KeyId"], key_arn(&a));
    assert_eq!(enc["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    let re = f
        .ok(
            "ReEncrypt",
            json!({
                "CiphertextBlob": enc["CiphertextBlob"],
                "SourceEncryptionContext": {"x": "1"},
                "DestinationKeyId": b,
                "DestinationEncryptionContext": {"y": "2"}
            }),
        )
        .await;
    assert_eq!(re["SourceKeyId"], key_arn(&a));
    assert_eq!(re["KeyId"], key_arn(&b));
    let dec = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": re["CiphertextBlob"], "EncryptionContext": {"y": "2"}}),
        )
        .await;
    assert_eq!(dec.blob("Plaintext"), b"secret");
    assert_eq!(dec.ok()["KeyId"], key_arn(&b));
    // The source context is needed to re-encrypt.
    f.enclave
        .call(
            "ReEncrypt",
            &json!({"CiphertextBlob": enc["CiphertextBlob"], "DestinationKeyId": b}),
        )
        .await
        .assert_error(400, "InvalidCiphertextException", "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_key_pairs_have_a_der_public_key_and_an_encrypted_private_key() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    for (spec, spki_prefix_len) in [
        ("RSA_2048", 294),
        ("ECC_NIST_P256", 91),
        ("ECC_NIST_P384", 120),
    ] {
        let reply = f
            .enclave
            .call(
                "GenerateDataKeyPair",
                &json!({"KeyId": k, "KeyPairSpec": spec}),
            )
            .await;
        assert_eq!(reply.ok()["KeyPairSpec"], spec);
        assert_eq!(reply.ok()["KeyId"], key_arn(&k));
        let public = reply.blob("PublicKey");
        assert_eq!(public.len(), spki_prefix_len, "{spec}");
        if spec == "RSA_2048" {
            // The public key really is the private key's.
            let private = reply.blob("PrivateKeyPlaintext");
            let key = crypto::RsaPrivateKey::from_pkcs8_der(&private).unwrap();
            assert_eq!(key.public_key_spki_der(), public.as_slice());
        }
        let dec = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": reply.ok()["PrivateKeyCiphertextBlob"]}),
            )
            .await;
        assert_eq!(dec.blob("Plaintext"), reply.blob("PrivateKeyPlaintext"));
        let without = f
            .ok(
                "GenerateDataKeyPairWithoutPlaintext",
                json!({"KeyId": k, "KeyPairSpec": spec}),
            )
            .await;
        assert!(without.get("PrivateKeyPlaintext").is_none());
        assert!(without["PublicKey"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_random_returns_the_requested_number_of_fresh_bytes() {
    let f = fixture().await;
    let a = f
        .enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 1024}))
        .await;
    let b = f
        .enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 1024}))
        .await;
    assert_eq!(a.blob("Plaintext").len(), 1024);
    assert_ne!(a.blob("Plaintext"), b.blob("Plaintext"));
    assert_eq!(
        f.enclave
            .call("GenerateRandom", &json!({"NumberOfBytes": 1}))
            .await
            .blob("Plaintext")
            .len(),
        1
    );
}
