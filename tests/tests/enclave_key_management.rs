#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The key management operations end to end through frames against the real simulated enclave:
//! key metadata, listing and paging, aliases, key states and deletion scheduling, key policies
//! (verbatim round trip, malformed documents, the lockout check, explicit deny), tags,
//! Encrypt/Decrypt/ReEncrypt, data key pairs and GenerateRandom.
//!
//! Not tested: that a key's aliases go when the key is finally deleted (that needs the deletion
//! window to pass, and the harness has no clock to move).

use std::collections::BTreeSet;

use nitro_kms_crypto as crypto;
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

    async fn metadata(&self, key_id: &str) -> Value {
        self.ok("DescribeKey", json!({"KeyId": key_id})).await["KeyMetadata"].clone()
    }

    async fn state(&self, key_id: &str) -> String {
        self.metadata(key_id).await["KeyState"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

// ---- Metadata -------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_and_describe_key_return_aws_key_metadata() {
    let f = fixture().await;
    let created = f.ok("CreateKey", json!({"Description": "payroll"})).await;
    let meta = &created["KeyMetadata"];
    let id = meta["KeyId"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a hyphenated UUID: {id}");
    assert_eq!(meta["Arn"], key_arn(id));
    assert_eq!(meta["AWSAccountId"], ACCOUNT);
    assert_eq!(meta["KeyState"], "Enabled");
    assert_eq!(meta["Enabled"], true);
    assert_eq!(meta["KeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["CustomerMasterKeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["KeyUsage"], "ENCRYPT_DECRYPT");
    assert_eq!(meta["EncryptionAlgorithms"], json!(["SYMMETRIC_DEFAULT"]));
    assert!(meta.get("SigningAlgorithms").is_none(), "{meta}");
    assert!(meta.get("MacAlgorithms").is_none(), "{meta}");
    assert_eq!(meta["KeyManager"], "CUSTOMER");
    assert_eq!(meta["Origin"], "AWS_KMS");
    assert_eq!(meta["MultiRegion"], false);
    assert_eq!(meta["Description"], "payroll");
    assert!(meta["CreationDate"].is_number(), "{meta}");
    assert!(meta.get("DeletionDate").is_none(), "{meta}");
    assert_eq!(meta["CurrentKeyMaterialId"].as_str().unwrap().len(), 64);
    // DescribeKey answers the same metadata for the id and the ARN.
    assert_eq!(f.metadata(id).await, *meta);
    assert_eq!(f.metadata(&key_arn(id)).await, *meta);
    // Without a Description the key has an empty one.
    let plain = f.key(json!({})).await;
    assert_eq!(f.metadata(&plain).await["Description"], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_keys_are_described_with_their_signing_or_encryption_algorithms() {
    let f = fixture().await;
    let signing = f
        .ok(
            "CreateKey",
            json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}),
        )
        .await["KeyMetadata"]
        .clone();
    assert_eq!(signing["KeySpec"], "RSA_2048");
    assert_eq!(signing["CustomerMasterKeySpec"], "RSA_2048");
    assert_eq!(signing["KeyUsage"], "SIGN_VERIFY");
    // The set; AWS's order of the list was not recorded.
    assert_eq!(
        strings(&signing["SigningAlgorithms"]),
        [
            "RSASSA_PKCS1_V1_5_SHA_256",
            "RSASSA_PKCS1_V1_5_SHA_384",
            "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256",
            "RSASSA_PSS_SHA_384",
            "RSASSA_PSS_SHA_512",
        ]
        .map(str::to_owned)
        .into(),
    );
    assert!(signing.get("EncryptionAlgorithms").is_none(), "{signing}");

    let encrypting = f
        .ok(
            "CreateKey",
            json!({"KeySpec": "RSA_4096", "KeyUsage": "ENCRYPT_DECRYPT"}),
        )
        .await["KeyMetadata"]
        .clone();
    assert_eq!(encrypting["KeySpec"], "RSA_4096");
    assert_eq!(encrypting["KeyUsage"], "ENCRYPT_DECRYPT");
    assert_eq!(
        encrypting["EncryptionAlgorithms"],
        json!(["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
    );
    assert!(
        encrypting.get("SigningAlgorithms").is_none(),
        "{encrypting}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecc_keys_are_described_with_their_signing_algorithm() {
    let f = fixture().await;
    for (spec, algorithm) in [
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("ECC_NIST_P384", "ECDSA_SHA_384"),
        ("ECC_NIST_P521", "ECDSA_SHA_512"),
    ] {
        let id = f
            .key(json!({"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"}))
            .await;
        let meta = f.metadata(&id).await;
        assert_eq!(meta["KeySpec"], spec);
        assert_eq!(meta["CustomerMasterKeySpec"], spec);
        assert_eq!(meta["KeyUsage"], "SIGN_VERIFY");
        assert_eq!(meta["SigningAlgorithms"], json!([algorithm]));
        assert!(meta.get("EncryptionAlgorithms").is_none(), "{meta}");
        assert!(meta.get("MacAlgorithms").is_none(), "{meta}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hmac_keys_are_described_with_their_mac_algorithm() {
    let f = fixture().await;
    for (spec, algorithm) in [
        ("HMAC_224", "HMAC_SHA_224"),
        ("HMAC_256", "HMAC_SHA_256"),
        ("HMAC_384", "HMAC_SHA_384"),
        ("HMAC_512", "HMAC_SHA_512"),
    ] {
        let id = f
            .key(json!({"KeySpec": spec, "KeyUsage": "GENERATE_VERIFY_MAC"}))
            .await;
        let meta = f.metadata(&id).await;
        assert_eq!(meta["KeySpec"], spec);
        assert_eq!(meta["KeyUsage"], "GENERATE_VERIFY_MAC");
        assert_eq!(meta["MacAlgorithms"], json!([algorithm]));
        assert!(meta.get("EncryptionAlgorithms").is_none(), "{meta}");
        assert!(meta.get("SigningAlgorithms").is_none(), "{meta}");
    }
}

// ---- ListKeys -------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_keys_pages_with_limit_truncated_and_next_marker() {
    let f = fixture().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(f.key(json!({})).await);
    }
    created.sort();
    // One page with everything.
    let all = f.ok("ListKeys", json!({})).await;
    assert_eq!(all["Truncated"], false);
    assert!(all.get("NextMarker").is_none(), "{all}");
    assert_eq!(all["Keys"].as_array().unwrap().len(), 5);
    // Pages of two: 2, 2, 1.
    let mut listed = Vec::new();
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut body = json!({"Limit": 2});
        if let Some(m) = &marker {
            body["Marker"] = Value::from(m.clone());
        }
        let page = f.ok("ListKeys", body).await;
        let keys = page["Keys"].as_array().unwrap();
        pages.push(keys.len());
        for k in keys {
            assert_eq!(k["KeyArn"], key_arn(k["KeyId"].as_str().unwrap()));
            listed.push(k["KeyId"].as_str().unwrap().to_owned());
        }
        if page["Truncated"] == false {
            assert!(page.get("NextMarker").is_none(), "{page}");
            break;
        }
        assert_eq!(page["Truncated"], true);
        marker = Some(page["NextMarker"].as_str().unwrap().to_owned());
    }
    assert_eq!(pages, [2, 2, 1]);
    assert_eq!(listed, created);
    // message not recorded from AWS
    f.enclave
        .call("ListKeys", &json!({"Marker": "bogus"}))
        .await
        .assert_error(400, "InvalidMarkerException", "Invalid marker");
    f.enclave
        .call("ListKeys", &json!({"Limit": 0}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        );
}

// ---- Aliases --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_are_created_listed_and_resolved_by_name_and_arn() {
    let f = fixture().await;
    let a = f.key(json!({})).await;
    f.ok(
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": key_arn(&a)}),
    )
    .await;
    let listed = f.ok("ListAliases", json!({})).await;
    assert_eq!(listed["Truncated"], false);
    let aliases = listed["Aliases"].as_array().unwrap();
    assert_eq!(aliases.len(), 1, "{listed}");
    let entry = &aliases[0];
    assert_eq!(entry["AliasName"], "alias/app");
    assert_eq!(entry["AliasArn"], alias_arn("app"));
    assert_eq!(entry["TargetKeyId"], Value::from(a.clone()));
    assert!(entry["CreationDate"].is_number(), "{entry}");
    assert!(entry["LastUpdatedDate"].is_number(), "{entry}");
    // Both alias forms name the key, for management and cryptographic operations alike.
    for name in ["alias/app".to_owned(), alias_arn("app")] {
        assert_eq!(f.metadata(&name).await["KeyId"], Value::from(a.clone()));
        let gdk = f
            .ok(
                "GenerateDataKey",
                json!({"KeyId": name, "KeySpec": "AES_128"}),
            )
            .await;
        assert_eq!(gdk["KeyId"], key_arn(&a));
        let enc = f
            .ok("Encrypt", json!({"KeyId": name, "Plaintext": "AQID"}))
            .await;
        let dec = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": enc["CiphertextBlob"], "KeyId": name}),
            )
            .await;
        assert_eq!(dec.blob("Plaintext"), [1, 2, 3]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_alias_retargets_and_delete_alias_removes() {
    let f = fixture().await;
    let a = f.key(json!({})).await;
    let b = f.key(json!({})).await;
    f.ok(
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": a}),
    )
    .await;
    f.ok(
        "UpdateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": key_arn(&b)}),
    )
    .await;
    assert_eq!(
        f.metadata(&alias_arn("app")).await["KeyId"],
        Value::from(b.clone())
    );
    // ListAliases filtered by key.
    assert_eq!(
        f.ok("ListAliases", json!({"KeyId": a})).await["Aliases"],
        json!([])
    );
    assert_eq!(
        f.ok("ListAliases", json!({"KeyId": b})).await["Aliases"][0]["AliasName"],
        "alias/app"
    );
    f.ok("DeleteAlias", json!({"AliasName": "alias/app"})).await;
    let gone = format!("Alias {} is not found.", alias_arn("app"));
    f.enclave
        .call("DescribeKey", &json!({"KeyId": "alias/app"}))
        .await
        .assert_error(400, "NotFoundException", &gone);
    assert_eq!(f.ok("ListAliases", json!({})).await["Aliases"], json!([]));
    for (op, body) in [
        ("DeleteAlias", json!({"AliasName": "alias/app"})),
        (
            "UpdateAlias",
            json!({"AliasName": "alias/app", "TargetKeyId": a}),
        ),
    ] {
        f.enclave
            .call(op, &body)
            .await
            .assert_error(400, "NotFoundException", &gone);
    }
    // The keys themselves are untouched.
    assert_eq!(f.state(&a).await, "Enabled");
    assert_eq!(f.state(&b).await, "Enabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_cannot_target_an_alias_or_use_the_aws_prefix() {
    let f = fixture().await;
    let a = f.key(json!({})).await;
    f.ok(
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": a}),
    )
    .await;
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/x", "TargetKeyId": "alias/app"}),
        )
        .await
        .assert_error(400, "NotFoundException", "Invalid keyId 'alias/app'");
    // message not recorded from AWS
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/aws/mine", "TargetKeyId": a}),
        )
        .await
        .assert_error(
            400,
            "InvalidAliasNameException",
            "Alias alias/aws/mine cannot be created: the prefix alias/aws/ is reserved for AWS managed keys.",
        );
}

// ---- Key states -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_and_enable_key_switch_the_key_state() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    assert_eq!(
        f.enclave
            .call("DisableKey", &json!({"KeyId": k}))
            .await
            .body,
        Value::Null
    );
    let meta = f.metadata(&k).await;
    assert_eq!(meta["KeyState"], "Disabled");
    assert_eq!(meta["Enabled"], false);
    // Disabling twice is fine.
    f.ok("DisableKey", json!({"KeyId": key_arn(&k)})).await;
    f.ok("EnableKey", json!({"KeyId": k})).await;
    let meta = f.metadata(&k).await;
    assert_eq!(meta["KeyState"], "Enabled");
    assert_eq!(meta["Enabled"], true);
    f.ok("GenerateDataKey", json!({"KeyId": k, "KeySpec": "AES_256"}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_key_deletion_defaults_to_30_days_and_reports_the_deletion_date() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    let scheduled = f.ok("ScheduleKeyDeletion", json!({"KeyId": k})).await;
    assert_eq!(scheduled["KeyId"], key_arn(&k));
    assert_eq!(scheduled["KeyState"], "PendingDeletion");
    assert_eq!(scheduled["PendingWindowInDays"], 30);
    assert!(scheduled["DeletionDate"].is_number(), "{scheduled}");
    let meta = f.metadata(&k).await;
    assert_eq!(meta["KeyState"], "PendingDeletion");
    assert_eq!(meta["Enabled"], false);
    assert_eq!(meta["PendingDeletionWindowInDays"], 30);
    assert_eq!(meta["DeletionDate"], scheduled["DeletionDate"]);
    let created = meta["CreationDate"].as_f64().unwrap();
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
    // A key pending deletion is still described and listed.
    let keys = f.ok("ListKeys", json!({})).await;
    assert_eq!(keys["Keys"], json!([{"KeyId": k, "KeyArn": key_arn(&k)}]));
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
    // The model's own bounds are checked first.
    f.enclave
        .call("ScheduleKeyDeletion", &json!({"KeyId": k, "PendingWindowInDays": 366}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365",
        );
    assert_eq!(f.state(&k).await, "Enabled");
    let scheduled = f
        .ok(
            "ScheduleKeyDeletion",
            json!({"KeyId": k, "PendingWindowInDays": 7}),
        )
        .await;
    assert_eq!(scheduled["PendingWindowInDays"], 7);
    assert_eq!(f.metadata(&k).await["PendingDeletionWindowInDays"], 7);
    let other = f.key(json!({})).await;
    let scheduled = f
        .ok(
            "ScheduleKeyDeletion",
            json!({"KeyId": other, "PendingWindowInDays": 30}),
        )
        .await;
    assert_eq!(scheduled["PendingWindowInDays"], 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_key_deletion_leaves_the_key_disabled() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    f.ok(
        "ScheduleKeyDeletion",
        json!({"KeyId": k, "PendingWindowInDays": 7}),
    )
    .await;
    let cancelled = f.ok("CancelKeyDeletion", json!({"KeyId": k})).await;
    assert_eq!(cancelled, json!({"KeyId": key_arn(&k)}));
    let meta = f.metadata(&k).await;
    assert_eq!(meta["KeyState"], "Disabled");
    assert_eq!(meta["Enabled"], false);
    assert!(meta.get("DeletionDate").is_none(), "{meta}");
    assert!(meta.get("PendingDeletionWindowInDays").is_none(), "{meta}");
    f.enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": k, "KeySpec": "AES_256"}),
        )
        .await
        .assert_error(
            400,
            "DisabledException",
            &format!("{} is disabled.", key_arn(&k)),
        );
    f.ok("EnableKey", json!({"KeyId": k})).await;
    f.ok("GenerateDataKey", json!({"KeyId": k, "KeySpec": "AES_256"}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_key_deletion_of_a_key_not_pending_deletion_is_invalid_state() {
    let f = fixture().await;
    let enabled = f.key(json!({})).await;
    let disabled = f.key(json!({})).await;
    f.ok("DisableKey", json!({"KeyId": disabled})).await;
    for k in [&enabled, &disabled] {
        // message not recorded from AWS
        f.enclave
            .call("CancelKeyDeletion", &json!({"KeyId": k}))
            .await
            .assert_error(
                400,
                "KMSInvalidStateException",
                &format!("{} is not pending deletion.", key_arn(k)),
            );
    }
    assert_eq!(f.state(&enabled).await, "Enabled");
    assert_eq!(f.state(&disabled).await, "Disabled");
}

// ---- Key policies ---------------------------------------------------------------------------

fn root_admin_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "All", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_key_policy_returns_the_put_policy_verbatim() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    let default = f.ok("GetKeyPolicy", json!({"KeyId": k})).await;
    assert_eq!(default["PolicyName"], "default");
    let default_policy: Value = serde_json::from_str(default["Policy"].as_str().unwrap()).unwrap();
    assert!(
        default_policy
            .to_string()
            .contains("arn:aws:iam::111122223333:root"),
        "{default_policy}"
    );
    // Odd spacing, key order and a newline: stored and returned byte for byte.
    let policy = format!(
        "{{\n  \"Statement\" : [ {} ],\n  \"Version\":\"2012-10-17\"\n}}",
        root_admin_policy()["Statement"][0]
    );
    assert_eq!(
        f.enclave
            .call(
                "PutKeyPolicy",
                &json!({"KeyId": k, "PolicyName": "default", "Policy": policy}),
            )
            .await
            .body,
        Value::Null
    );
    let got = f.ok("GetKeyPolicy", json!({"KeyId": key_arn(&k)})).await;
    assert_eq!(got["Policy"], Value::from(policy));
    assert_eq!(got["PolicyName"], "default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_key_policy_with_malformed_json_is_malformed_policy_document() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    let before = f.ok("GetKeyPolicy", json!({"KeyId": k})).await;
    // message not recorded from AWS
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": k, "PolicyName": "default", "Policy": "{not json"}),
        )
        .await
        .assert_error(
            400,
            "MalformedPolicyDocumentException",
            "The policy is not valid JSON.",
        );
    // message not recorded from AWS
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": k, "PolicyName": "default", "Policy": "[1, 2]"}),
        )
        .await
        .assert_error(
            400,
            "MalformedPolicyDocumentException",
            "The policy must be a JSON object.",
        );
    assert_eq!(f.ok("GetKeyPolicy", json!({"KeyId": k})).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_key_policy_that_locks_the_caller_out_needs_the_bypass_flag() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    let lockout = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*"}]
    })
    .to_string();
    let lockout_message =
        "The new key policy will not allow you to update the key policy in the future.";
    // message not recorded from AWS (this is the text AWS is widely reported to give)
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": k, "PolicyName": "default", "Policy": lockout}),
        )
        .await
        .assert_error(400, "MalformedPolicyDocumentException", lockout_message);
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": k, "PolicyName": "default", "Policy": lockout, "BypassPolicyLockoutSafetyCheck": false}),
        )
        .await
        .assert_error(400, "MalformedPolicyDocumentException", lockout_message);
    // CreateKey applies the same check.
    f.enclave
        .call("CreateKey", &json!({"Policy": lockout}))
        .await
        .assert_error(400, "MalformedPolicyDocumentException", lockout_message);
    f.ok("GetKeyPolicy", json!({"KeyId": k})).await;
    let blob = f
        .ok("Encrypt", json!({"KeyId": k, "Plaintext": "AQID"}))
        .await["CiphertextBlob"]
        .clone();

    f.ok(
        "PutKeyPolicy",
        json!({"KeyId": k, "PolicyName": "default", "Policy": lockout, "BypassPolicyLockoutSafetyCheck": true}),
    )
    .await;
    // Now the caller is locked out of the policy, as on AWS.
    let arn = key_arn(&k);
    f.enclave
        .call("GetKeyPolicy", &json!({"KeyId": k}))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:GetKeyPolicy on resource: {arn} because no resource-based policy allows the kms:GetKeyPolicy action"),
        );
    f.enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": k, "PolicyName": "default", "Policy": root_admin_policy().to_string()}),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:PutKeyPolicy on resource: {arn} because no resource-based policy allows the kms:PutKeyPolicy action"),
        );
    // What the policy still allows (Decrypt) works; the rest is denied.
    let dec = f
        .enclave
        .call("Decrypt", &json!({"CiphertextBlob": blob}))
        .await;
    assert_eq!(dec.blob("Plaintext"), [1, 2, 3]);
    f.enclave
        .call("Encrypt", &json!({"KeyId": k, "Plaintext": "AQID"}))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:Encrypt on resource: {arn} because no resource-based policy allows the kms:Encrypt action"),
        );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_deny_in_the_key_policy_wins_over_an_allow() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
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
    f.enclave
        .call("Encrypt", &json!({"KeyId": k, "Plaintext": "AQID"}))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:Encrypt on resource: {} with an explicit deny in a resource-based policy", key_arn(&k)),
        );
    // Only that action is denied.
    f.ok("GenerateDataKey", json!({"KeyId": k, "KeySpec": "AES_256"}))
        .await;
    f.ok("DescribeKey", json!({"KeyId": k})).await;
}

// ---- Tags -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_are_added_overwritten_listed_and_removed() {
    let f = fixture().await;
    let k = f
        .key(json!({"Tags": [{"TagKey": "team", "TagValue": "red"}]}))
        .await;
    assert_eq!(
        f.ok("ListResourceTags", json!({"KeyId": k})).await["Tags"],
        json!([{"TagKey": "team", "TagValue": "red"}])
    );
    assert_eq!(
        f.enclave
            .call(
                "TagResource",
                &json!({"KeyId": k, "Tags": [{"TagKey": "team", "TagValue": "blue"}, {"TagKey": "env", "TagValue": "dev"}]}),
            )
            .await
            .body,
        Value::Null
    );
    let listed = f
        .ok("ListResourceTags", json!({"KeyId": key_arn(&k)}))
        .await;
    assert_eq!(
        listed["Tags"],
        json!([{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "team", "TagValue": "blue"}])
    );
    assert_eq!(listed["Truncated"], false);
    // Removing an absent key is not an error.
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
    // Another key's tags are its own.
    let other = f.key(json!({})).await;
    assert_eq!(
        f.ok("ListResourceTags", json!({"KeyId": other})).await["Tags"],
        json!([])
    );
}

// ---- Encrypt / Decrypt / ReEncrypt ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypt_then_decrypt_returns_the_plaintext_with_the_key_arn() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    for plaintext in [vec![0u8], b"secret".to_vec(), vec![0xA5; 4096]] {
        let b64 = base64_encode(&plaintext);
        let enc = f
            .ok(
                "Encrypt",
                json!({"KeyId": k, "Plaintext": b64, "EncryptionContext": {"x": "1"}}),
            )
            .await;
        assert_eq!(enc["KeyId"], key_arn(&k));
        assert_eq!(enc["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
        let dec = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": {"x": "1"}}),
            )
            .await;
        assert_eq!(dec.blob("Plaintext"), plaintext);
        assert_eq!(dec.ok()["KeyId"], key_arn(&k));
        assert_eq!(dec.ok()["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_encrypt_moves_a_ciphertext_to_another_key() {
    let f = fixture().await;
    let a = f.key(json!({})).await;
    let b = f.key(json!({})).await;
    let enc = f
        .ok(
            "Encrypt",
            json!({"KeyId": a, "Plaintext": "c2VjcmV0", "EncryptionContext": {"x": "1"}}),
        )
        .await;
    let re = f
        .ok(
            "ReEncrypt",
            json!({
                "CiphertextBlob": enc["CiphertextBlob"],
                "SourceEncryptionContext": {"x": "1"},
                "DestinationKeyId": b,
                "DestinationEncryptionContext": {"x": "1"}
            }),
        )
        .await;
    assert_eq!(re["SourceKeyId"], key_arn(&a));
    assert_eq!(re["KeyId"], key_arn(&b));
    assert_eq!(re["SourceEncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    assert_eq!(re["DestinationEncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    let dec = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": re["CiphertextBlob"], "EncryptionContext": {"x": "1"}}),
        )
        .await;
    assert_eq!(dec.blob("Plaintext"), b"secret");
    assert_eq!(dec.ok()["KeyId"], key_arn(&b));
    // The new blob is b's: naming a as its key is wrong.
    f.enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": re["CiphertextBlob"], "EncryptionContext": {"x": "1"}, "KeyId": a}),
        )
        .await
        .assert_error(
            400,
            "IncorrectKeyException",
            "The key ID in the request does not identify a CMK that can perform this operation.",
        );
    // The source context is needed to re-encrypt.
    let reply = f
        .enclave
        .call(
            "ReEncrypt",
            &json!({"CiphertextBlob": enc["CiphertextBlob"], "DestinationKeyId": b}),
        )
        .await;
    reply.assert_error(400, "InvalidCiphertextException", "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_encrypt_moves_a_ciphertext_to_another_encryption_context() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    let enc = f
        .ok(
            "Encrypt",
            json!({"KeyId": k, "Plaintext": "c2VjcmV0", "EncryptionContext": {"v": "1"}}),
        )
        .await;
    let re = f
        .ok(
            "ReEncrypt",
            json!({
                "CiphertextBlob": enc["CiphertextBlob"],
                "SourceEncryptionContext": {"v": "1"},
                "DestinationKeyId": k,
                "DestinationEncryptionContext": {"v": "2"}
            }),
        )
        .await;
    assert_eq!(re["SourceKeyId"], key_arn(&k));
    assert_eq!(re["KeyId"], key_arn(&k));
    assert_ne!(re["CiphertextBlob"], enc["CiphertextBlob"]);
    // The new blob opens with the new context only.
    let dec = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": re["CiphertextBlob"], "EncryptionContext": {"v": "2"}}),
        )
        .await;
    assert_eq!(dec.blob("Plaintext"), b"secret");
    for old in [json!({"v": "1"}), json!({})] {
        f.enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": re["CiphertextBlob"], "EncryptionContext": old}),
            )
            .await
            .assert_error(400, "InvalidCiphertextException", "");
    }
    // The original still opens with the old one.
    let dec = f
        .enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": {"v": "1"}}),
        )
        .await;
    assert_eq!(dec.blob("Plaintext"), b"secret");
}

// ---- Data key pairs -------------------------------------------------------------------------

/// DER SubjectPublicKeyInfo prefixes (SEQUENCE, AlgorithmIdentifier, BIT STRING header) and total
/// lengths for each spec.
const SPKI: [(&str, &str, usize); 3] = [
    (
        "RSA_2048",
        // SEQUENCE(290) { SEQUENCE { rsaEncryption, NULL }, BIT STRING(271) { 00 SEQUENCE(266) {
        // INTEGER(257) 00 ...
        "30820122300d06092a864886f70d01010105000382010f003082010a0282010100",
        294,
    ),
    (
        "ECC_NIST_P256",
        // SEQUENCE(89) { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING(66) { 00 04 ...
        "3059301306072a8648ce3d020106082a8648ce3d030107034200 04",
        91,
    ),
    (
        "ECC_NIST_P384",
        // SEQUENCE(118) { SEQUENCE { id-ecPublicKey, secp384r1 }, BIT STRING(98) { 00 04 ...
        "3076301006072a8648ce3d020106052b81040022036200 04",
        120,
    ),
];

/// Asserts that `private` (PKCS#8 DER) is the private half of `public` (DER SPKI).
fn assert_private_matches_public(spec: &str, private: &[u8], public: &[u8]) {
    match spec {
        "RSA_2048" => {
            let key = crypto::RsaPrivateKey::from_pkcs8_der(private).unwrap();
            assert_eq!(key.bits(), 2048);
            assert_eq!(key.public_key_spki_der(), public);
        }
        "ECC_NIST_P384" => {
            let key = crypto::EcdsaP384KeyPair::from_pkcs8_der(private).unwrap();
            assert_eq!(key.public_key_spki_der().unwrap(), public);
        }
        _ => {
            // PKCS#8 SEQUENCE carrying the uncompressed public point (ECPrivateKey publicKey).
            assert_eq!(private[0], 0x30);
            let point = &public[public.len() - 65..];
            assert!(
                private.windows(point.len()).any(|w| w == point),
                "{spec}: the private key does not carry the public point"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_pair_returns_a_der_public_key_and_its_encrypted_private_key() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    for (spec, prefix, len) in SPKI {
        let prefix = hex::decode(prefix.replace(' ', "")).unwrap();
        let reply = f
            .enclave
            .call(
                "GenerateDataKeyPair",
                &json!({"KeyId": k, "KeyPairSpec": spec, "EncryptionContext": {"p": spec}}),
            )
            .await;
        assert_eq!(reply.ok()["KeyPairSpec"], spec);
        assert_eq!(reply.ok()["KeyId"], key_arn(&k));
        let public = reply.blob("PublicKey");
        assert_eq!(public.len(), len, "{spec}");
        assert!(
            public.starts_with(&prefix),
            "{spec}: {}",
            hex::encode(&public)
        );
        let private = reply.blob("PrivateKeyPlaintext");
        assert_private_matches_public(spec, &private, &public);
        // The encrypted private key decrypts with Decrypt to the plaintext one.
        let dec = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": reply.ok()["PrivateKeyCiphertextBlob"], "EncryptionContext": {"p": spec}}),
            )
            .await;
        assert_eq!(dec.blob("Plaintext"), private);
        assert_eq!(dec.ok()["KeyId"], key_arn(&k));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_pair_without_plaintext_returns_only_the_encrypted_private_key() {
    let f = fixture().await;
    let k = f.key(json!({})).await;
    for (spec, prefix, len) in SPKI {
        let prefix = hex::decode(prefix.replace(' ', "")).unwrap();
        let reply = f
            .enclave
            .call(
                "GenerateDataKeyPairWithoutPlaintext",
                &json!({"KeyId": k, "KeyPairSpec": spec}),
            )
            .await;
        let body = reply.ok();
        assert!(body.get("PrivateKeyPlaintext").is_none(), "{body}");
        assert_eq!(body["KeyPairSpec"], spec);
        assert_eq!(body["KeyId"], key_arn(&k));
        let public = reply.blob("PublicKey");
        assert_eq!(public.len(), len, "{spec}");
        assert!(public.starts_with(&prefix), "{spec}");
        let private = f
            .enclave
            .call(
                "Decrypt",
                &json!({"CiphertextBlob": body["PrivateKeyCiphertextBlob"]}),
            )
            .await
            .blob("Plaintext");
        assert_private_matches_public(spec, &private, &public);
    }
}

// ---- GenerateRandom -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_random_returns_the_requested_number_of_fresh_bytes() {
    let f = fixture().await;
    for n in [1usize, 16, 32, 1000, 1024] {
        let reply = f
            .enclave
            .call("GenerateRandom", &json!({"NumberOfBytes": n}))
            .await;
        assert_eq!(reply.blob("Plaintext").len(), n);
        assert_eq!(reply.ok().as_object().unwrap().len(), 1, "{}", reply.body);
    }
    let a = f
        .enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 1024}))
        .await
        .blob("Plaintext");
    let b = f
        .enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 1024}))
        .await
        .blob("Plaintext");
    assert_ne!(a, b);
    assert_ne!(a, vec![0u8; 1024]);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
