//! Encrypt, Decrypt and ReEncrypt with RSA `ENCRYPT_DECRYPT` keys in process: round trips for
//! both algorithms, the size limit and AWS's message, the algorithm rules, the encryption context,
//! one error for every bad ciphertext, the Decrypt and ReEncrypt key rules, and a key stored
//! without material (made before this change).

use std::collections::BTreeMap;

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use serde_json::{Value, json};

use crate::keystore::{KeyStateRecord, Mutation, StoredKey};
use crate::test_support::{self, ADMIN, call, create_key};

fn b64(bytes: &[u8]) -> String {
    nitro_kms_api::blob::encode_base64(bytes)
}

fn unb64(v: &Value) -> Vec<u8> {
    nitro_kms_api::blob::decode_base64(v.as_str().unwrap()).unwrap()
}

async fn rsa_key(svc: &std::sync::Arc<crate::service::Service>, spec: &str) -> String {
    create_key(svc, json!({"KeySpec": spec, "KeyUsage": "ENCRYPT_DECRYPT"})).await
}

#[tokio::test]
async fn both_algorithms_round_trip_and_answer_the_raw_ciphertext_and_algorithm() {
    let (svc, ..) = test_support::service().await;
    let key = rsa_key(&svc, "RSA_2048").await;
    for algorithm in ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] {
        let (status, sealed) = call(
            &svc,
            ADMIN,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": b64(b"hello"), "EncryptionAlgorithm": algorithm}),
        )
        .await;
        assert_eq!(status, 200, "{sealed}");
        assert_eq!(sealed["EncryptionAlgorithm"], algorithm);
        assert_eq!(sealed["KeyId"], svc.identity.key_arn(&key));
        assert_eq!(unb64(&sealed["CiphertextBlob"]).len(), 256);
        let (status, opened) = call(
            &svc,
            ADMIN,
            "Decrypt",
            json!({"KeyId": key, "CiphertextBlob": sealed["CiphertextBlob"], "EncryptionAlgorithm": algorithm}),
        )
        .await;
        assert_eq!(status, 200, "{opened}");
        assert_eq!(opened["Plaintext"], b64(b"hello"));
        assert_eq!(opened["EncryptionAlgorithm"], algorithm);
        assert!(opened.get("KeyMaterialId").is_none(), "{opened}");
    }
}

#[tokio::test]
async fn one_byte_over_the_limit_is_awss_validation_message() {
    let (svc, ..) = test_support::service().await;
    let key = rsa_key(&svc, "RSA_2048").await;
    let encrypt = |n: usize| json!({"KeyId": key, "Plaintext": b64(&vec![7; n]), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"});
    assert_eq!(call(&svc, ADMIN, "Encrypt", encrypt(190)).await.0, 200);
    let (status, error) = call(&svc, ADMIN, "Encrypt", encrypt(191)).await;
    assert_eq!(status, 400);
    assert_eq!(error["__type"], "ValidationException");
    assert_eq!(
        error["message"],
        "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes."
    );
}

#[tokio::test]
async fn the_default_algorithm_with_an_rsa_key_and_rsaes_with_a_symmetric_key_are_incompatible() {
    let (svc, ..) = test_support::service().await;
    let key = rsa_key(&svc, "RSA_3072").await;
    let (status, error) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": b64(b"x")}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["__type"], "InvalidKeyUsageException");
    assert_eq!(
        error["message"],
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_3072."
    );
    let symmetric = create_key(&svc, json!({})).await;
    let (_, error) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": symmetric, "Plaintext": b64(b"x"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}),
    )
    .await;
    assert_eq!(error["__type"], "InvalidKeyUsageException");
    assert_eq!(
        error["message"],
        "Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec SYMMETRIC_DEFAULT."
    );
}

#[tokio::test]
async fn an_encryption_context_with_an_rsa_key_is_refused() {
    let (svc, ..) = test_support::service().await;
    let key = rsa_key(&svc, "RSA_2048").await;
    let (status, error) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": b64(b"x"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1",
               "EncryptionContext": {"a": "b"}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["__type"], "ValidationException");
}

#[tokio::test]
async fn every_bad_rsa_ciphertext_and_a_missing_key_id_are_the_same_empty_invalid_ciphertext() {
    let (svc, ..) = test_support::service().await;
    let key = rsa_key(&svc, "RSA_2048").await;
    let (_, sealed) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": b64(b"x"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    )
    .await;
    let good = unb64(&sealed["CiphertextBlob"]);
    let mut flipped = good.clone();
    flipped[3] ^= 1;
    let cases = [
        json!({"KeyId": key, "CiphertextBlob": b64(&good), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}),
        json!({"KeyId": key, "CiphertextBlob": b64(&flipped), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
        json!({"KeyId": key, "CiphertextBlob": b64(&good[1..]), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
        json!({"CiphertextBlob": b64(&good), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    ];
    for body in cases {
        let (status, error) = call(&svc, ADMIN, "Decrypt", body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["__type"], "InvalidCiphertextException", "{body}");
        assert_eq!(
            error.get("message").and_then(Value::as_str).unwrap_or(""),
            ""
        );
    }
}

#[tokio::test]
async fn re_encrypt_goes_from_rsa_to_symmetric_and_back() {
    let (svc, ..) = test_support::service().await;
    let rsa = rsa_key(&svc, "RSA_2048").await;
    let symmetric = create_key(&svc, json!({})).await;
    let (_, sealed) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": rsa, "Plaintext": b64(b"moving"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}),
    )
    .await;
    let (status, to_symmetric) = call(
        &svc,
        ADMIN,
        "ReEncrypt",
        json!({"CiphertextBlob": sealed["CiphertextBlob"], "SourceKeyId": rsa,
               "SourceEncryptionAlgorithm": "RSAES_OAEP_SHA_1", "DestinationKeyId": symmetric}),
    )
    .await;
    assert_eq!(status, 200, "{to_symmetric}");
    assert_eq!(
        to_symmetric["SourceEncryptionAlgorithm"],
        "RSAES_OAEP_SHA_1"
    );
    assert_eq!(
        to_symmetric["DestinationEncryptionAlgorithm"],
        "SYMMETRIC_DEFAULT"
    );
    assert!(to_symmetric.get("SourceKeyMaterialId").is_none());
    assert!(to_symmetric.get("DestinationKeyMaterialId").is_some());
    let (status, back) = call(
        &svc,
        ADMIN,
        "ReEncrypt",
        json!({"CiphertextBlob": to_symmetric["CiphertextBlob"], "DestinationKeyId": rsa,
               "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    )
    .await;
    assert_eq!(status, 200, "{back}");
    assert!(back.get("DestinationKeyMaterialId").is_none());
    let (_, opened) = call(
        &svc,
        ADMIN,
        "Decrypt",
        json!({"KeyId": rsa, "CiphertextBlob": back["CiphertextBlob"], "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    )
    .await;
    assert_eq!(opened["Plaintext"], b64(b"moving"));
}

#[tokio::test]
async fn data_keys_with_an_rsa_encryption_key_are_an_invalid_key_usage() {
    let (svc, ..) = test_support::service().await;
    let key = rsa_key(&svc, "RSA_2048").await;
    let (status, error) = call(
        &svc,
        ADMIN,
        "GenerateDataKey",
        json!({"KeyId": key, "KeySpec": "AES_256"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["__type"], "InvalidKeyUsageException");
}

#[tokio::test]
async fn an_rsa_encryption_key_stored_without_material_is_an_invalid_state() {
    let (svc, ..) = test_support::service().await;
    let key_id = "00002048-0000-4000-8000-000000000000".to_owned();
    let key = StoredKey {
        key_id: key_id.clone(),
        creation_date_ms: 0,
        description: String::new(),
        key_spec: KeySpec::Rsa2048,
        key_usage: KeyUsageType::EncryptDecrypt,
        state: KeyStateRecord::Enabled,
        policy: crate::policy::default_policy(&svc.identity.account),
        tags: BTreeMap::new(),
        material: None,
        rotation: Default::default(),
        import: None,
        grants: Vec::new(),
        multi_region: None,
    };
    crate::ops::commit::commit(&svc, Mutation::CreateKey(key))
        .await
        .unwrap();
    let (status, error) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": key_id, "Plaintext": b64(b"x"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["__type"], "KMSInvalidStateException");
}

#[tokio::test]
async fn dry_runs_answer_dry_run_after_every_check_and_a_disabled_key_is_disabled() {
    let (svc, ..) = test_support::service().await;
    let key = rsa_key(&svc, "RSA_2048").await;
    let encrypt =
        json!({"KeyId": key, "Plaintext": b64(b"x"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"});
    let (_, sealed) = call(&svc, ADMIN, "Encrypt", encrypt.clone()).await;
    let decrypt = json!({"KeyId": key, "CiphertextBlob": sealed["CiphertextBlob"],
                         "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"});
    for (op, body) in [("Encrypt", &encrypt), ("Decrypt", &decrypt)] {
        let mut dry = body.clone();
        dry["DryRun"] = json!(true);
        let (status, error) = call(&svc, ADMIN, op, dry).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(error["__type"], "DryRunOperationException", "{op}");
    }
    let (status, _) = call(&svc, ADMIN, "DisableKey", json!({"KeyId": key})).await;
    assert_eq!(status, 200);
    for (op, body) in [("Encrypt", encrypt), ("Decrypt", decrypt)] {
        let (status, error) = call(&svc, ADMIN, op, body).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(error["__type"], "DisabledException", "{op}");
    }
}

#[tokio::test]
async fn re_encrypt_to_an_rsa_key_applies_its_context_and_size_rules() {
    let (svc, ..) = test_support::service().await;
    let rsa = rsa_key(&svc, "RSA_2048").await;
    let symmetric = create_key(&svc, json!({})).await;
    let (_, sealed) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": symmetric, "Plaintext": b64(&[1; 215])}),
    )
    .await;
    let (status, error) = call(
        &svc,
        ADMIN,
        "ReEncrypt",
        json!({"CiphertextBlob": sealed["CiphertextBlob"], "DestinationKeyId": rsa,
               "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_1"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error["message"],
        "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048 cannot encrypt data larger than 214 bytes."
    );
    let (_, error) = call(
        &svc,
        ADMIN,
        "ReEncrypt",
        json!({"CiphertextBlob": sealed["CiphertextBlob"], "DestinationKeyId": rsa,
               "DestinationEncryptionAlgorithm": "RSAES_OAEP_SHA_1",
               "DestinationEncryptionContext": {"a": "b"}}),
    )
    .await;
    assert_eq!(error["__type"], "ValidationException");
    let (_, error) = call(
        &svc,
        ADMIN,
        "ReEncrypt",
        json!({"CiphertextBlob": sealed["CiphertextBlob"], "DestinationKeyId": rsa}),
    )
    .await;
    assert_eq!(
        error["message"],
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."
    );
}
