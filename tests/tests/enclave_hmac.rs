#![allow(clippy::unwrap_used, clippy::expect_used)]
//! HMAC keys through the enclave's HTTP endpoint (the real simulated enclave): GenerateMac and
//! VerifyMac for each HMAC key spec, and every error row that applies, with status, `__type`
//! and message. Sources, per test: the rows of `shared/spec/aws-kms-real-errors.txt`
//! (`test_generate_and_verify_mac`, `test_invalid_generate_mac`, `test_invalid_verify_mac`,
//! `test_error_messaging_for_invalid_keys`), the model (`kms-service-2.json`: `VerifyMac` never
//! answers `MacValid: false`, it fails with `KMSInvalidMacException`) and, for states, dry runs
//! and denials, the texts AWS uses for every other key operation (`aws-kms-behaviour.md`).
//!
//! The MAC's equality with Python's `hmac` needs known key material, which no KMS operation
//! imports or exports for HMAC keys; that known answer is pinned in process instead
//! (`enclave/src/ops/generate_mac/tests.rs`, RFC 4231 vectors through GenerateMac).

use base64::Engine;
use nitro_kms_tests::enclave::{ALICE, Enclave, MALLORY, key_arn};
use serde_json::{Value, json};

/// Every HMAC key spec with its one MAC algorithm and tag length.
const SPECS: [(&str, &str, usize); 4] = [
    ("HMAC_224", "HMAC_SHA_224", 28),
    ("HMAC_256", "HMAC_SHA_256", 32),
    ("HMAC_384", "HMAC_SHA_384", 48),
    ("HMAC_512", "HMAC_SHA_512", 64),
];

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

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
    async fn create(&self, body: Value) -> String {
        let reply = self.enclave.call("CreateKey", &body).await;
        reply.ok()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn hmac_key(&self, spec: &str) -> String {
        self.create(json!({"KeySpec": spec, "KeyUsage": "GENERATE_VERIFY_MAC"}))
            .await
    }

    async fn mac(&self, key: &str, algorithm: &str, message: &[u8]) -> String {
        let reply = self
            .enclave
            .call("GenerateMac", &mac_body(key, algorithm, message))
            .await;
        reply.ok()["Mac"].as_str().unwrap().to_owned()
    }
}

fn mac_body(key: &str, algorithm: &str, message: &[u8]) -> Value {
    json!({"KeyId": key, "MacAlgorithm": algorithm, "Message": b64(message)})
}

fn verify_body(key: &str, algorithm: &str, message: &[u8], mac: &str) -> Value {
    let mut body = mac_body(key, algorithm, message);
    body["Mac"] = json!(mac);
    body
}

// test_generate_and_verify_mac (every spec): GenerateMac answers the MAC, its algorithm and the
// key ARN; VerifyMac of it answers MacValid true; DescribeKey lists the spec's one algorithm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hmac_spec_makes_macs_of_its_length_that_verify() {
    let f = fixture().await;
    for (spec, algorithm, len) in SPECS {
        let key = f.hmac_key(spec).await;
        let described = f.enclave.call("DescribeKey", &json!({"KeyId": key})).await;
        let metadata = &described.ok()["KeyMetadata"];
        assert_eq!(metadata["MacAlgorithms"], json!([algorithm]), "{spec}");
        assert_eq!(metadata["KeyUsage"], "GENERATE_VERIFY_MAC");
        assert_eq!(metadata.get("EncryptionAlgorithms"), None, "{metadata}");
        let reply = f
            .enclave
            .call(
                "GenerateMac",
                &mac_body(&key, algorithm, b"some important message"),
            )
            .await;
        let answer = reply.ok();
        assert_eq!(answer["KeyId"], key_arn(&key));
        assert_eq!(answer["MacAlgorithm"], algorithm);
        assert_eq!(reply.blob("Mac").len(), len, "{spec}");
        let mac = answer["Mac"].as_str().unwrap();
        // Deterministic: the same message under the same key gives the same MAC.
        assert_eq!(f.mac(&key, algorithm, b"some important message").await, mac);
        let verified = f
            .enclave
            .call(
                "VerifyMac",
                &verify_body(&key, algorithm, b"some important message", mac),
            )
            .await;
        assert_eq!(
            verified.ok(),
            &json!({"KeyId": key_arn(&key), "MacAlgorithm": algorithm, "MacValid": true})
        );
    }
}

// Aliases name HMAC keys as they name any key (KeyIdType); the answer carries the key ARN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_or_a_key_arn_names_the_hmac_key() {
    let f = fixture().await;
    let key = f.hmac_key("HMAC_256").await;
    f.enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/mac", "TargetKeyId": key}),
        )
        .await;
    let by_id = f.mac(&key, "HMAC_SHA_256", b"m").await;
    for name in ["alias/mac", &key_arn(&key)] {
        let reply = f
            .enclave
            .call("GenerateMac", &mac_body(name, "HMAC_SHA_256", b"m"))
            .await;
        assert_eq!(reply.ok()["Mac"], by_id, "{name}");
        assert_eq!(reply.ok()["KeyId"], key_arn(&key));
        let reply = f
            .enclave
            .call(
                "VerifyMac",
                &verify_body(name, "HMAC_SHA_256", b"m", &by_id),
            )
            .await;
        assert_eq!(reply.ok()["MacValid"], true);
    }
}

// test_invalid_verify_mac[HMAC_256-HMAC_SHA_256-some different important message]:
// KMSInvalidMacException, HTTP 400, empty message; also for a MAC made by another key, a
// truncated MAC and another key's MAC of the same message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mac_of_another_message_or_key_is_kms_invalid_mac() {
    let f = fixture().await;
    let key = f.hmac_key("HMAC_256").await;
    let other = f.hmac_key("HMAC_256").await;
    let mac = f.mac(&key, "HMAC_SHA_256", b"some important message").await;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&mac)
        .unwrap();
    for (verify_key, message, tag) in [
        (&key, &b"some different important message"[..], mac.clone()),
        (&other, &b"some important message"[..], mac.clone()),
        (&key, &b"some important message"[..], b64(&raw[..31])),
    ] {
        f.enclave
            .call(
                "VerifyMac",
                &verify_body(verify_key, "HMAC_SHA_256", message, &tag),
            )
            .await
            .assert_error(400, "KMSInvalidMacException", "");
    }
}

// test_invalid_generate_mac[HMAC_224-HMAC_SHA_256] and
// test_invalid_verify_mac[HMAC_256-HMAC_SHA_512]: the algorithm of another spec.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_algorithm_of_another_spec_is_invalid_key_usage() {
    let f = fixture().await;
    let k224 = f.hmac_key("HMAC_224").await;
    f.enclave
        .call("GenerateMac", &mac_body(&k224, "HMAC_SHA_256", b"m"))
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.",
        );
    let k256 = f.hmac_key("HMAC_256").await;
    let mac = f
        .mac(&k256, "HMAC_SHA_256", b"some important message")
        .await;
    f.enclave
        .call(
            "VerifyMac",
            &verify_body(&k256, "HMAC_SHA_512", b"some important message", &mac),
        )
        .await
        .assert_error(
            400,
            "InvalidKeyUsageException",
            "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.",
        );
}

// test_invalid_generate_mac[HMAC_256-INVALID] and test_invalid_verify_mac[HMAC_256-INVALID].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_algorithm_is_a_validation_error_with_aws_value_set() {
    let f = fixture().await;
    let key = f.hmac_key("HMAC_256").await;
    let recorded = "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]";
    f.enclave
        .call("GenerateMac", &mac_body(&key, "INVALID", b"m"))
        .await
        .assert_error(400, "ValidationException", recorded);
    f.enclave
        .call("VerifyMac", &verify_body(&key, "INVALID", b"m", "AAAA"))
        .await
        .assert_error(400, "ValidationException", recorded);
}

// test_generate_and_verify_mac/generate-mac-invalid-key-id and verify-mac-invalid-key-id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_id_that_is_not_a_key_is_not_found() {
    let f = fixture().await;
    f.enclave
        .call("GenerateMac", &mac_body("key_id", "HMAC_SHA_256", b"m"))
        .await
        .assert_error(400, "NotFoundException", "Invalid keyId 'key_id'");
    f.enclave
        .call(
            "VerifyMac",
            &verify_body("key_id", "HMAC_SHA_256", b"m", "AAAA"),
        )
        .await
        .assert_error(400, "NotFoundException", "Invalid keyId 'key_id'");
}

// test_error_messaging_for_invalid_keys/generate-mac-invalid-key-id: a symmetric key. The other
// direction (an HMAC key for Encrypt, GenerateDataKey, ...) has the same form, as recorded for
// `sign-invalid-key-id` (`key usage is GENERATE_VERIFY_MAC which is not valid for Sign.`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_other_usages_cannot_mac_and_hmac_keys_cannot_encrypt() {
    let f = fixture().await;
    let symmetric = f.enclave.create_key().await;
    for op in ["GenerateMac", "VerifyMac"] {
        f.enclave
            .call(op, &verify_body(&symmetric, "HMAC_SHA_256", b"m", "AAAA"))
            .await
            .assert_error(
                400,
                "InvalidKeyUsageException",
                &format!(
                    "{} key usage is ENCRYPT_DECRYPT which is not valid for {op}.",
                    key_arn(&symmetric)
                ),
            );
    }
    let hmac = f.hmac_key("HMAC_384").await;
    for (op, body) in [
        ("Encrypt", json!({"KeyId": hmac, "Plaintext": b64(b"p")})),
        (
            "GenerateDataKey",
            json!({"KeyId": hmac, "KeySpec": "AES_256"}),
        ),
        (
            "GenerateDataKeyWithoutPlaintext",
            json!({"KeyId": hmac, "KeySpec": "AES_256"}),
        ),
        (
            "GenerateDataKeyPair",
            json!({"KeyId": hmac, "KeyPairSpec": "ECC_NIST_P256"}),
        ),
    ] {
        f.enclave.call(op, &body).await.assert_error(
            400,
            "InvalidKeyUsageException",
            &format!(
                "{} key usage is GENERATE_VERIFY_MAC which is not valid for {op}.",
                key_arn(&hmac)
            ),
        );
    }
}

// Key states, as for every cryptographic operation (aws-kms-behaviour.md: "Disabled key:
// DisabledException `<key-arn> is disabled.`", "Pending deletion: KMSInvalidStateException
// `<key-arn> is pending deletion.`").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_and_pending_deletion_hmac_keys_are_refused() {
    let f = fixture().await;
    let key = f.hmac_key("HMAC_512").await;
    let mac = f.mac(&key, "HMAC_SHA_512", b"m").await;
    f.enclave
        .call("DisableKey", &json!({"KeyId": key}))
        .await
        .ok();
    for op in ["GenerateMac", "VerifyMac"] {
        f.enclave
            .call(op, &verify_body(&key, "HMAC_SHA_512", b"m", &mac))
            .await
            .assert_error(
                400,
                "DisabledException",
                &format!("{} is disabled.", key_arn(&key)),
            );
    }
    f.enclave
        .call(
            "ScheduleKeyDeletion",
            &json!({"KeyId": key, "PendingWindowInDays": 7}),
        )
        .await
        .ok();
    for op in ["GenerateMac", "VerifyMac"] {
        f.enclave
            .call(op, &verify_body(&key, "HMAC_SHA_512", b"m", &mac))
            .await
            .assert_error(
                400,
                "KMSInvalidStateException",
                &format!("{} is pending deletion.", key_arn(&key)),
            );
    }
}

// DryRun (model: DryRunOperationException), after every other check passed; a dry VerifyMac does
// not compare the MAC.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_answers_dry_run_operation() {
    let f = fixture().await;
    let key = f.hmac_key("HMAC_256").await;
    let mut generate = mac_body(&key, "HMAC_SHA_256", b"m");
    generate["DryRun"] = json!(true);
    let mut verify = verify_body(&key, "HMAC_SHA_256", b"m", "AAAA");
    verify["DryRun"] = json!(true);
    for (op, body) in [("GenerateMac", generate), ("VerifyMac", verify)] {
        f.enclave.call(op, &body).await.assert_error(
            400,
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.",
        );
    }
}

// The policy actions kms:GenerateMac and kms:VerifyMac, in AWS's AccessDenied wording: an
// explicit deny of kms:GenerateMac refuses GenerateMac but not VerifyMac; a caller of another
// account is refused by the default policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_policies_decide_by_the_kms_generate_mac_and_verify_mac_actions() {
    let f = fixture().await;
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "NoMacs", "Effect": "Deny", "Principal": {"AWS": ALICE},
         "Action": "kms:GenerateMac", "Resource": "*"}]});
    let key = f
        .create(
            json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC",
                       "Policy": policy.to_string(), "BypassPolicyLockoutSafetyCheck": true}),
        )
        .await;
    let arn = key_arn(&key);
    f.enclave
        .call("GenerateMac", &mac_body(&key, "HMAC_SHA_256", b"m"))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:GenerateMac on resource: {arn} with an explicit deny in a resource-based policy"),
        );
    f.enclave
        .call(
            "VerifyMac",
            &verify_body(&key, "HMAC_SHA_256", b"m", "AAAA"),
        )
        .await
        .assert_error(400, "KMSInvalidMacException", "");
    let open = f.hmac_key("HMAC_256").await;
    let open_arn = key_arn(&open);
    for op in ["GenerateMac", "VerifyMac"] {
        f.enclave
            .call_as(MALLORY, op, &verify_body(&open_arn, "HMAC_SHA_256", b"m", "AAAA"))
            .await
            .assert_error(
                400,
                "AccessDeniedException",
                &format!("User: {MALLORY} is not authorized to perform: kms:{op} on resource: {open_arn} because no resource-based policy allows the kms:{op} action"),
            );
    }
}

// CreateKey's KeySpec/KeyUsage pairs for HMAC, in the form recorded for
// `KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048` (aws-kms-behaviour.md):
// HMAC specs take only GENERATE_VERIFY_MAC, and only HMAC specs take it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_pairs_hmac_specs_with_generate_verify_mac_only() {
    let f = fixture().await;
    for (spec, usage) in [
        ("HMAC_256", "ENCRYPT_DECRYPT"),
        ("HMAC_512", "SIGN_VERIFY"),
        ("SYMMETRIC_DEFAULT", "GENERATE_VERIFY_MAC"),
        ("RSA_2048", "GENERATE_VERIFY_MAC"),
    ] {
        f.enclave
            .call("CreateKey", &json!({"KeySpec": spec, "KeyUsage": usage}))
            .await
            .assert_error(
                400,
                "ValidationException",
                &format!("KeyUsage {usage} is not compatible with KeySpec {spec}"),
            );
    }
}
