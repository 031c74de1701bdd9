//! DeriveSharedSecret in process: every key agreement curve agrees with a peer, GetPublicKey and
//! DescribeKey list `ECDH`, and the error rows with AWS's recorded texts (aws-kms-real-errors.txt:
//! `test_derive_shared_secret/response-invalid-key-usage`, `/response-invalid-key`,
//! `/response-invalid-public-key`).

use std::sync::Arc;

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_crypto::key_agreement::{self, AgreementCurve};
use serde_json::{Value, json};

use crate::service::Service;
use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

const CURVES: [(&str, AgreementCurve); 3] = [
    ("ECC_NIST_P256", AgreementCurve::P256),
    ("ECC_NIST_P384", AgreementCurve::P384),
    ("ECC_NIST_P521", AgreementCurve::P521),
];

fn b64(bytes: &[u8]) -> String {
    nitro_kms_api::blob::encode_base64(bytes)
}

fn unb64(value: &Value) -> Vec<u8> {
    nitro_kms_api::blob::decode_base64(value.as_str().unwrap()).unwrap()
}

fn body(key: &str, peer: &[u8]) -> Value {
    json!({"KeyId": key, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(peer)})
}

async fn agreement_key(svc: &Arc<Service>, spec: &str) -> String {
    create_key(svc, json!({"KeySpec": spec, "KeyUsage": "KEY_AGREEMENT"})).await
}

/// A peer's private key and public key (SPKI) on `curve`.
fn peer(curve: AgreementCurve) -> (nitro_kms_crypto::SecretBytes, Vec<u8>) {
    let private = key_agreement::generate_agreement_key(curve).unwrap();
    let public = key_agreement::agreement_public_key(curve, private.expose()).unwrap();
    (private, public)
}

#[tokio::test]
async fn every_curve_derives_the_secret_the_peer_derives_from_the_public_key() {
    let (svc, ..) = test_support::service().await;
    for (spec, curve) in CURVES {
        let key = agreement_key(&svc, spec).await;
        let (status, public) = call(&svc, ADMIN, "GetPublicKey", json!({"KeyId": key})).await;
        assert_eq!(status, 200, "{spec}: {public}");
        assert_eq!(public["KeyUsage"], "KEY_AGREEMENT");
        assert_eq!(public["KeyAgreementAlgorithms"], json!(["ECDH"]));
        assert!(public.get("SigningAlgorithms").is_none(), "{public}");
        let (peer_private, peer_public) = peer(curve);
        let (status, answer) =
            call(&svc, ADMIN, "DeriveSharedSecret", body(&key, &peer_public)).await;
        assert_eq!(status, 200, "{spec}: {answer}");
        assert_eq!(answer["KeyId"], svc.identity.key_arn(&key).as_str());
        assert_eq!(answer["KeyAgreementAlgorithm"], "ECDH");
        assert_eq!(answer["KeyOrigin"], "AWS_KMS");
        let expected = key_agreement::derive_shared_secret(
            curve,
            peer_private.expose(),
            &unb64(&public["PublicKey"]),
        )
        .unwrap();
        assert_eq!(unb64(&answer["SharedSecret"]), expected.expose(), "{spec}");
        let (_, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
        assert_eq!(
            described["KeyMetadata"]["KeyAgreementAlgorithms"],
            json!(["ECDH"])
        );
    }
}

#[tokio::test]
async fn a_key_that_is_not_key_agreement_is_invalid_key_usage_naming_its_usage() {
    let (svc, ..) = test_support::service().await;
    let (_, peer_public) = peer(AgreementCurve::P256);
    for (request, usage) in [
        (
            json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
            "SIGN_VERIFY",
        ),
        (json!({}), "ENCRYPT_DECRYPT"),
        (
            json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
            "GENERATE_VERIFY_MAC",
        ),
    ] {
        let key = create_key(&svc, request).await;
        let (status, answer) =
            call(&svc, ADMIN, "DeriveSharedSecret", body(&key, &peer_public)).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "InvalidKeyUsageException");
        assert_eq!(
            answer["message"],
            format!(
                "{} key usage is {usage} which is not valid for DeriveSharedSecret.",
                svc.identity.key_arn(&key)
            )
        );
    }
}

#[tokio::test]
async fn a_peer_key_malformed_on_another_curve_or_a_raw_point_is_an_empty_validation_error() {
    let (svc, ..) = test_support::service().await;
    let key = agreement_key(&svc, "ECC_NIST_P256").await;
    let (_, p256) = peer(AgreementCurve::P256);
    let (_, p384) = peer(AgreementCurve::P384);
    let raw_point = p256[p256.len() - 65..].to_vec();
    for bad in [b"InvalidPublicKey".to_vec(), p384, raw_point] {
        let (status, answer) = call(&svc, ADMIN, "DeriveSharedSecret", body(&key, &bad)).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "ValidationException");
        // An empty message is left out of the body, as for InvalidCiphertextException.
        assert!(answer.get("message").is_none(), "{answer}");
    }
}

#[tokio::test]
async fn a_policy_denying_the_caller_refuses_derive_shared_secret() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT", "Policy": DENIES_ALICE}),
    )
    .await;
    let (_, peer_public) = peer(AgreementCurve::P256);
    let (status, answer) = call(&svc, ALICE, "DeriveSharedSecret", body(&key, &peer_public)).await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "AccessDeniedException");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("kms:DeriveSharedSecret"),
        "{answer}"
    );
}

#[tokio::test]
async fn dry_run_answers_dry_run_operation_after_every_check() {
    let (svc, ..) = test_support::service().await;
    let key = agreement_key(&svc, "ECC_NIST_P384").await;
    let (_, peer_public) = peer(AgreementCurve::P384);
    let mut request = body(&key, &peer_public);
    request["DryRun"] = json!(true);
    let (status, answer) = call(&svc, ADMIN, "DeriveSharedSecret", request).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["__type"], "DryRunOperationException");
}

#[tokio::test]
async fn a_key_agreement_key_stored_without_material_is_invalid_state() {
    let (svc, ..) = test_support::service().await;
    let key_id = "11111111-2222-4333-8444-555555555555".to_owned();
    test_support::store_key_without_material(
        &svc,
        &key_id,
        KeySpec::EccNistP256,
        KeyUsageType::KeyAgreement,
    )
    .await;
    let (_, peer_public) = peer(AgreementCurve::P256);
    for (op, request) in [
        ("DeriveSharedSecret", body(&key_id, &peer_public)),
        ("GetPublicKey", json!({"KeyId": key_id})),
    ] {
        let (status, answer) = call(&svc, ADMIN, op, request).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "KMSInvalidStateException", "{op}");
    }
}

// AWS's CreateKey reference (KeyUsage): "For asymmetric KMS keys with ECC_SECG_P256K1 key pairs,
// specify SIGN_VERIFY"; Ed25519 keys sign only. Neither is a key agreement key.
#[tokio::test]
async fn secp256k1_and_ed25519_keys_cannot_be_key_agreement_keys() {
    let (svc, ..) = test_support::service().await;
    for spec in ["ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"] {
        let (status, answer) = call(
            &svc,
            ADMIN,
            "CreateKey",
            json!({"KeySpec": spec, "KeyUsage": "KEY_AGREEMENT"}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "ValidationException");
        assert_eq!(
            answer["message"],
            format!("KeyUsage KEY_AGREEMENT is not compatible with KeySpec {spec}")
        );
    }
}
