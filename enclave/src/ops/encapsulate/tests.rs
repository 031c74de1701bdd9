//! Encapsulate, Decapsulate, GetPublicKey and DescribeKey with ML-KEM keys in process: every
//! spec round-trips a 32-byte secret with AWS's ciphertext sizes (the Encapsulate API reference),
//! a peer encapsulating to GetPublicKey's key reaches the secret Decapsulate recovers, a garbled
//! ciphertext gives another secret and a wrong length is `InvalidCiphertextException` (the
//! Decapsulate API reference), and the error rows that apply: usage, policy, state, DryRun, a key
//! stored without material.

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_crypto::kem::{self, KemKeyKind};
use serde_json::{Value, json};

use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

fn unb64(value: &Value) -> Vec<u8> {
    nitro_kms_api::blob::decode_base64(value.as_str().unwrap()).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    nitro_kms_api::blob::encode_base64(bytes)
}

fn decapsulate(key: &str, ciphertext: &[u8]) -> Value {
    json!({"KeyId": key, "EncapsulationAlgorithm": "ML_KEM", "SharedSecretCiphertextBlob": b64(ciphertext)})
}

fn encapsulate(key: &str) -> Value {
    json!({"KeyId": key, "EncapsulationAlgorithm": "ML_KEM"})
}

#[tokio::test]
async fn every_ml_kem_spec_decapsulates_what_it_encapsulated_and_what_a_peer_encapsulated() {
    let (svc, ..) = test_support::service().await;
    for (spec, kind, ct_len, ek_len) in [
        ("ML_KEM_512", KemKeyKind::MlKem512, 768, 800),
        ("ML_KEM_768", KemKeyKind::MlKem768, 1088, 1184),
        ("ML_KEM_1024", KemKeyKind::MlKem1024, 1568, 1568),
    ] {
        let key = create_key(
            &svc,
            json!({"KeySpec": spec, "KeyUsage": "ENCAPSULATE_DECAPSULATE"}),
        )
        .await;
        let arn = svc.identity.key_arn(&key);
        let (status, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
        assert_eq!(status, 200);
        assert_eq!(
            described["KeyMetadata"]["EncapsulationAlgorithms"],
            json!(["ML_KEM"])
        );
        let (status, sealed) = call(&svc, ADMIN, "Encapsulate", encapsulate(&key)).await;
        assert_eq!(status, 200, "{spec}: {sealed}");
        assert_eq!(sealed["KeyId"], arn.as_str());
        assert_eq!(sealed["EncapsulationAlgorithm"], "ML_KEM");
        let secret = unb64(&sealed["SharedSecret"]);
        assert_eq!(secret.len(), 32);
        let ciphertext = unb64(&sealed["SharedSecretCiphertextBlob"]);
        assert_eq!(ciphertext.len(), ct_len, "{spec}");
        let (status, opened) =
            call(&svc, ADMIN, "Decapsulate", decapsulate(&key, &ciphertext)).await;
        assert_eq!(status, 200, "{opened}");
        assert_eq!(unb64(&opened["SharedSecret"]), secret);
        assert_eq!(opened["KeyId"], arn.as_str());
        assert_eq!(opened["EncapsulationAlgorithm"], "ML_KEM");

        let (status, public) = call(&svc, ADMIN, "GetPublicKey", json!({"KeyId": key})).await;
        assert_eq!(status, 200, "{public}");
        assert_eq!(public["KeySpec"], spec);
        assert_eq!(public["KeyUsage"], "ENCAPSULATE_DECAPSULATE");
        assert_eq!(public["EncapsulationAlgorithms"], json!(["ML_KEM"]));
        let spki = unb64(&public["PublicKey"]);
        let ek = &spki[spki.len() - ek_len..];
        let (peer_secret, peer_ciphertext) = kem::encapsulate_to(kind, ek).unwrap();
        let (_, opened) = call(
            &svc,
            ADMIN,
            "Decapsulate",
            decapsulate(&key, &peer_ciphertext),
        )
        .await;
        assert_eq!(unb64(&opened["SharedSecret"]), peer_secret.expose());
    }
}

#[tokio::test]
async fn a_garbled_ciphertext_gives_another_secret_and_a_wrong_length_is_invalid_ciphertext() {
    let (svc, ..) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"}),
    )
    .await;
    let (_, sealed) = call(&svc, ADMIN, "Encapsulate", encapsulate(&key)).await;
    let mut ciphertext = unb64(&sealed["SharedSecretCiphertextBlob"]);
    ciphertext[0] ^= 1;
    let (status, opened) = call(&svc, ADMIN, "Decapsulate", decapsulate(&key, &ciphertext)).await;
    assert_eq!(status, 200);
    let rejected = unb64(&opened["SharedSecret"]);
    assert_eq!(rejected.len(), 32);
    assert_ne!(rejected, unb64(&sealed["SharedSecret"]));
    for len in [1, 768, 1087, 1089, 1568] {
        let (status, answer) =
            call(&svc, ADMIN, "Decapsulate", decapsulate(&key, &vec![0; len])).await;
        assert_eq!(status, 400, "{len}");
        assert_eq!(
            answer,
            json!({"__type": "InvalidCiphertextException"}),
            "{len}"
        );
    }
}

#[tokio::test]
async fn keys_of_other_usages_are_invalid_key_usage_both_ways() {
    let (svc, ..) = test_support::service().await;
    let symmetric = create_key(&svc, json!({})).await;
    let signing = create_key(
        &svc,
        json!({"KeySpec": "ML_DSA_44", "KeyUsage": "SIGN_VERIFY"}),
    )
    .await;
    for (key, usage) in [(&symmetric, "ENCRYPT_DECRYPT"), (&signing, "SIGN_VERIFY")] {
        for (op, request) in [
            ("Encapsulate", encapsulate(key)),
            ("Decapsulate", decapsulate(key, &[0; 768])),
        ] {
            let (status, answer) = call(&svc, ADMIN, op, request).await;
            assert_eq!(status, 400);
            assert_eq!(answer["__type"], "InvalidKeyUsageException");
            assert_eq!(
                answer["message"],
                format!(
                    "{} key usage is {usage} which is not valid for {op}.",
                    svc.identity.key_arn(key)
                )
            );
        }
    }
    let kem_key = create_key(
        &svc,
        json!({"KeySpec": "ML_KEM_512", "KeyUsage": "ENCAPSULATE_DECAPSULATE"}),
    )
    .await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "Sign",
        json!({"KeyId": kem_key, "Message": "AQID", "SigningAlgorithm": "ML_DSA_SHAKE_256"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["message"],
        format!(
            "{} key usage is ENCAPSULATE_DECAPSULATE which is not valid for Sign.",
            svc.identity.key_arn(&kem_key)
        )
    );
}

#[tokio::test]
async fn policy_dry_run_disabled_pending_deletion_and_not_found_rows() {
    let (svc, ..) = test_support::service().await;
    let denied = create_key(
        &svc,
        json!({"KeySpec": "ML_KEM_512", "KeyUsage": "ENCAPSULATE_DECAPSULATE", "Policy": DENIES_ALICE}),
    )
    .await;
    for (op, request) in [
        ("Encapsulate", encapsulate(&denied)),
        ("Decapsulate", decapsulate(&denied, &[0; 768])),
    ] {
        let (status, answer) = call(&svc, ALICE, op, request).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "AccessDeniedException", "{op}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains(&format!("kms:{op}"))
        );
    }
    let mut dry = encapsulate(&denied);
    dry["DryRun"] = json!(true);
    let (status, answer) = call(&svc, ADMIN, "Encapsulate", dry).await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("DryRunOperationException"))
    );
    let mut dry = decapsulate(&denied, &[0; 768]);
    dry["DryRun"] = json!(true);
    let (_, answer) = call(&svc, ADMIN, "Decapsulate", dry).await;
    assert_eq!(answer["__type"], "DryRunOperationException");
    let (status, _) = call(&svc, ADMIN, "DisableKey", json!({"KeyId": denied})).await;
    assert_eq!(status, 200);
    let (status, answer) = call(&svc, ADMIN, "Encapsulate", encapsulate(&denied)).await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("DisabledException"))
    );
}

#[tokio::test]
async fn an_ml_kem_key_stored_without_material_is_invalid_state() {
    let (svc, ..) = test_support::service().await;
    let key_id = "0000bbbb-0000-4000-8000-000000000000";
    test_support::store_key_without_material(
        &svc,
        key_id,
        KeySpec::MlKem768,
        KeyUsageType::EncapsulateDecapsulate,
    )
    .await;
    for (op, request) in [
        ("Encapsulate", encapsulate(key_id)),
        ("Decapsulate", decapsulate(key_id, &[0; 1088])),
        ("GetPublicKey", json!({"KeyId": key_id})),
    ] {
        let (status, answer) = call(&svc, ADMIN, op, request).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "KMSInvalidStateException", "{op}");
    }
}
