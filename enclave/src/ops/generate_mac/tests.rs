//! GenerateMac and VerifyMac in process, with HMAC keys of known material (which no API can
//! import or export, so the keys are committed straight to the keystore here). The known answers
//! are RFC 4231's test case 2, which Python's `hmac.new(b"Jefe", msg, sha*)` also gives; the
//! error texts are AWS's recorded ones (aws-kms-real-errors.txt).

use std::collections::BTreeMap;
use std::sync::Arc;

use nitro_kms_api::types::{KeySpec, KeyUsageType, KmsEnum};
use nitro_kms_crypto::secret::SecretBytes;
use serde_json::{Value, json};

use crate::keystore::{KeyMaterial, KeyStateRecord, Mutation, StoredKey};
use crate::service::Service;
use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

const MESSAGE: &[u8] = b"what do ya want for nothing?";

/// RFC 4231 test case 2 (key `Jefe`), per key spec and its algorithm.
const CASE_2: [(&str, &str, &str); 4] = [
    (
        "HMAC_224",
        "HMAC_SHA_224",
        "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
    ),
    (
        "HMAC_256",
        "HMAC_SHA_256",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        "HMAC_384",
        "HMAC_SHA_384",
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
    ),
    (
        "HMAC_512",
        "HMAC_SHA_512",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    ),
];

fn b64(bytes: &[u8]) -> String {
    nitro_kms_api::blob::encode_base64(bytes)
}

/// Commits an enabled HMAC key of `spec` whose material is `secret`; its id.
async fn hmac_key_with_material(svc: &Arc<Service>, spec: &str, secret: &[u8]) -> String {
    // One id per spec: `HMAC_256` -> `00000256-...`.
    let key_id = format!("{:0>8}-0000-4000-8000-000000000000", &spec[5..]);
    let key = StoredKey {
        key_id: key_id.clone(),
        creation_date_ms: 0,
        description: String::new(),
        key_spec: KeySpec::parse_accepted(spec).unwrap(),
        key_usage: KeyUsageType::GenerateVerifyMac,
        state: KeyStateRecord::Enabled,
        policy: crate::policy::default_policy(&svc.identity.account),
        tags: BTreeMap::new(),
        material: Some(KeyMaterial {
            id: [1; 32],
            secret: SecretBytes::copy_from(secret),
        }),
        rotation: Default::default(),
        import: None,
        grants: Vec::new(),
        multi_region: None,
    };
    super::super::commit::commit(svc, Mutation::CreateKey(key))
        .await
        .unwrap();
    key_id
}

fn mac_body(key: &str, algorithm: &str, message: &[u8]) -> Value {
    json!({"KeyId": key, "MacAlgorithm": algorithm, "Message": b64(message)})
}

#[tokio::test]
async fn generate_mac_is_the_rfc_4231_hmac_of_the_keys_material_for_every_spec() {
    let (svc, ..) = test_support::service().await;
    for (spec, algorithm, expected) in CASE_2 {
        let key = hmac_key_with_material(&svc, spec, b"Jefe").await;
        let (status, answer) = call(
            &svc,
            ADMIN,
            "GenerateMac",
            mac_body(&key, algorithm, MESSAGE),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["Mac"],
            b64(&hex::decode(expected).unwrap()),
            "{spec}"
        );
        assert_eq!(answer["MacAlgorithm"], algorithm);
        assert_eq!(answer["KeyId"], svc.identity.key_arn(&key));
        let mut verify = mac_body(&key, algorithm, MESSAGE);
        verify["Mac"] = answer["Mac"].clone();
        let (status, verified) = call(&svc, ADMIN, "VerifyMac", verify).await;
        assert_eq!(status, 200, "{verified}");
        assert_eq!(
            verified,
            json!({"KeyId": svc.identity.key_arn(&key), "MacAlgorithm": algorithm, "MacValid": true})
        );
    }
}

#[tokio::test]
async fn verify_mac_refuses_another_messages_mac_with_an_empty_kms_invalid_mac() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    let (_, made) = call(
        &svc,
        ADMIN,
        "GenerateMac",
        mac_body(&key, "HMAC_SHA_256", b"one"),
    )
    .await;
    let mut verify = mac_body(&key, "HMAC_SHA_256", b"two");
    verify["Mac"] = made["Mac"].clone();
    let reply = svc
        .handle("VerifyMac", ADMIN, verify.to_string().as_bytes())
        .await;
    assert_eq!(reply.status.code(), 400);
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        r#"{"__type":"KMSInvalidMacException"}"#
    );
}

#[tokio::test]
async fn the_mac_algorithm_must_be_the_one_of_the_keys_spec() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "HMAC_224", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "GenerateMac",
        mac_body(&key, "HMAC_SHA_256", b"m"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "InvalidKeyUsageException");
    assert_eq!(
        answer["message"],
        "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224."
    );
}

#[tokio::test]
async fn a_symmetric_key_cannot_mac_and_an_hmac_key_cannot_encrypt() {
    let (svc, ..) = test_support::service().await;
    let symmetric = create_key(&svc, json!({})).await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "GenerateMac",
        mac_body(&symmetric, "HMAC_SHA_256", b"m"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["message"],
        format!(
            "{} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.",
            svc.identity.key_arn(&symmetric)
        )
    );
    let hmac = create_key(
        &svc,
        json!({"KeySpec": "HMAC_512", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    for (op, body) in [
        ("Encrypt", json!({"KeyId": hmac, "Plaintext": b64(b"p")})),
        (
            "GenerateDataKey",
            json!({"KeyId": hmac, "KeySpec": "AES_256"}),
        ),
    ] {
        let (status, answer) = call(&svc, ADMIN, op, body).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(
            answer["message"],
            format!(
                "{} key usage is GENERATE_VERIFY_MAC which is not valid for {op}.",
                svc.identity.key_arn(&hmac)
            )
        );
    }
}

#[tokio::test]
async fn a_policy_denying_the_caller_refuses_both_operations_by_their_actions() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "HMAC_384", "KeyUsage": "GENERATE_VERIFY_MAC", "Policy": DENIES_ALICE}),
    )
    .await;
    let mut verify = mac_body(&key, "HMAC_SHA_384", b"m");
    verify["Mac"] = json!(b64(&[0; 48]));
    for (op, body) in [
        ("GenerateMac", mac_body(&key, "HMAC_SHA_384", b"m")),
        ("VerifyMac", verify),
    ] {
        let (status, answer) = call(&svc, ALICE, op, body).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "AccessDeniedException", "{op}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains(&format!("kms:{op}")),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn dry_run_checks_everything_then_answers_dry_run_operation() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    let mut body = mac_body(&key, "HMAC_SHA_256", b"m");
    body["DryRun"] = json!(true);
    let (status, answer) = call(&svc, ADMIN, "GenerateMac", body.clone()).await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("DryRunOperationException"))
    );
    body["MacAlgorithm"] = json!("HMAC_SHA_512");
    let (_, answer) = call(&svc, ADMIN, "GenerateMac", body).await;
    assert_eq!(answer["__type"], "InvalidKeyUsageException");
}

#[tokio::test]
async fn a_disabled_hmac_key_is_refused_with_disabled_exception() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    let (status, _) = call(&svc, ADMIN, "DisableKey", json!({"KeyId": key})).await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &svc,
        ADMIN,
        "GenerateMac",
        mac_body(&key, "HMAC_SHA_256", b"m"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "DisabledException");
    assert_eq!(
        answer["message"],
        format!("{} is disabled.", svc.identity.key_arn(&key))
    );
}
