//! Imported key material in process: `EXTERNAL` keys wait in `PendingImport`, material wrapped
//! with each algorithm imports, the same material re-imported opens old ciphertexts, other
//! material is refused, the token is bound to its key and expires, expiry runs on the
//! housekeeping sweep with the test clock. Recorded messages: aws-kms-real-errors.txt
//! (`is pending import.`, `A validTo date must be set ...`, `origin is AWS_KMS ...`,
//! `origin is EXTERNAL ...`).

use std::sync::Arc;

use nitro_kms_api::blob::{decode_base64, encode_base64};
use nitro_kms_crypto::import_wrapping::{WrappingAlgorithm, wrap_key_material};
use serde_json::{Value, json};

use crate::service::Service;
use crate::test_support::{self, ADMIN, call, create_key};

const ARN_PREFIX: &str = "arn:aws:kms:us-east-1:111122223333:key/";

/// GetParametersForImport for `key` with `algorithm` and an RSA_2048 wrapping key.
async fn get_parameters(svc: &Arc<Service>, key: &str, algorithm: &str) -> (u16, Value) {
    let body = json!({"KeyId": key, "WrappingAlgorithm": algorithm, "WrappingKeySpec": "RSA_2048"});
    call(svc, ADMIN, "GetParametersForImport", body).await
}

/// GetParametersForImport's token and public key for `key`.
async fn parameters(svc: &Arc<Service>, key: &str, algorithm: &str) -> (String, Vec<u8>) {
    let (status, answer) = get_parameters(svc, key, algorithm).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["KeyId"], format!("{ARN_PREFIX}{key}"));
    let public = decode_base64(answer["PublicKey"].as_str().unwrap()).unwrap();
    (answer["ImportToken"].as_str().unwrap().to_owned(), public)
}

fn wrapped(public: &[u8], algorithm: WrappingAlgorithm, material: &[u8]) -> String {
    encode_base64(&wrap_key_material(public, algorithm, material).unwrap())
}

async fn import(svc: &Arc<Service>, key: &str, material: &[u8], extra: Value) -> (u16, Value) {
    let (token, public) = parameters(svc, key, "RSAES_OAEP_SHA_256").await;
    let mut body = json!({
        "KeyId": key,
        "ImportToken": token,
        "EncryptedKeyMaterial": wrapped(&public, WrappingAlgorithm::RsaesOaepSha256, material),
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    call(svc, ADMIN, "ImportKeyMaterial", body).await
}

fn never_expires() -> Value {
    json!({"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"})
}

fn assert_error(answer: &(u16, Value), kind: &str, message: &str) {
    assert_eq!(answer.0, 400, "{}", answer.1);
    assert_eq!(answer.1["__type"], kind, "{}", answer.1);
    assert_eq!(answer.1["message"], message, "{}", answer.1);
}

async fn encrypt(svc: &Arc<Service>, key: &str) -> (u16, Value) {
    call(
        svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "aGk="}),
    )
    .await
}

#[tokio::test]
async fn an_external_key_is_pending_import_until_its_material_is_imported() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let (_, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
    let meta = &described["KeyMetadata"];
    assert_eq!(meta["Origin"], "EXTERNAL");
    assert_eq!(meta["KeyState"], "PendingImport");
    assert_eq!(meta["Enabled"], false);
    assert!(meta.get("ExpirationModel").is_none());
    let pending = format!("{ARN_PREFIX}{key} is pending import.");
    assert_error(
        &encrypt(&svc, &key).await,
        "KMSInvalidStateException",
        &pending,
    );
    assert_error(
        &call(&svc, ADMIN, "EnableKey", json!({"KeyId": key})).await,
        "KMSInvalidStateException",
        &pending,
    );
    let (status, answer) = import(&svc, &key, &[7u8; 32], never_expires()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["KeyId"], format!("{ARN_PREFIX}{key}"));
    assert_eq!(answer["KeyMaterialId"].as_str().unwrap().len(), 64);
    let (_, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
    let meta = &described["KeyMetadata"];
    assert_eq!(meta["KeyState"], "Enabled");
    assert_eq!(meta["ExpirationModel"], "KEY_MATERIAL_DOES_NOT_EXPIRE");
    let (status, encrypted) = encrypt(&svc, &key).await;
    assert_eq!(status, 200, "{encrypted}");
    let (status, decrypted) = call(
        &svc,
        ADMIN,
        "Decrypt",
        json!({"CiphertextBlob": encrypted["CiphertextBlob"]}),
    )
    .await;
    assert_eq!((status, &decrypted["Plaintext"]), (200, &json!("aGk=")));
}

#[tokio::test]
async fn material_wrapped_with_every_algorithm_imports() {
    let (svc, _, _) = test_support::service().await;
    for (name, algorithm) in [
        ("RSAES_OAEP_SHA_1", WrappingAlgorithm::RsaesOaepSha1),
        ("RSAES_OAEP_SHA_256", WrappingAlgorithm::RsaesOaepSha256),
        (
            "RSA_AES_KEY_WRAP_SHA_1",
            WrappingAlgorithm::RsaAesKeyWrapSha1,
        ),
        (
            "RSA_AES_KEY_WRAP_SHA_256",
            WrappingAlgorithm::RsaAesKeyWrapSha256,
        ),
    ] {
        let key = create_key(
            &svc,
            json!({"Origin": "EXTERNAL", "KeySpec": "HMAC_384", "KeyUsage": "GENERATE_VERIFY_MAC"}),
        )
        .await;
        let (token, public) = parameters(&svc, &key, name).await;
        let body = json!({
            "KeyId": key,
            "ImportToken": token,
            "EncryptedKeyMaterial": wrapped(&public, algorithm, &[5u8; 48]),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        });
        let (status, answer) = call(&svc, ADMIN, "ImportKeyMaterial", body).await;
        assert_eq!(status, 200, "{name}: {answer}");
        let (status, mac) = call(
            &svc,
            ADMIN,
            "GenerateMac",
            json!({"KeyId": key, "Message": "aGk=", "MacAlgorithm": "HMAC_SHA_384"}),
        )
        .await;
        assert_eq!(status, 200, "{name}: {mac}");
    }
}

#[tokio::test]
async fn the_same_material_reimported_opens_old_ciphertexts_and_other_material_is_refused() {
    let (svc, _, parent) = test_support::service().await;
    let key = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let (status, first) = import(&svc, &key, &[1u8; 32], never_expires()).await;
    assert_eq!(status, 200, "{first}");
    let (_, encrypted) = encrypt(&svc, &key).await;
    let (status, deleted) = call(
        &svc,
        ADMIN,
        "DeleteImportedKeyMaterial",
        json!({"KeyId": key}),
    )
    .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["KeyMaterialId"], first["KeyMaterialId"]);
    let pending = format!("{ARN_PREFIX}{key} is pending import.");
    let decrypt = json!({"CiphertextBlob": encrypted["CiphertextBlob"]});
    assert_error(
        &call(&svc, ADMIN, "Decrypt", decrypt.clone()).await,
        "KMSInvalidStateException",
        &pending,
    );
    assert_error(
        &call(
            &svc,
            ADMIN,
            "DeleteImportedKeyMaterial",
            json!({"KeyId": key}),
        )
        .await,
        "KMSInvalidStateException",
        &pending,
    );
    let other = import(&svc, &key, &[2u8; 32], never_expires()).await;
    assert_eq!(
        other.1["__type"], "IncorrectKeyMaterialException",
        "{}",
        other.1
    );
    let (status, again) = import(&svc, &key, &[1u8; 32], never_expires()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["KeyMaterialId"], first["KeyMaterialId"]);
    // The state survives a reload of the sealed keystore.
    let reloaded = test_support::replica(parent).await;
    for svc in [&svc, &reloaded] {
        let (status, answer) = call(svc, ADMIN, "Decrypt", decrypt.clone()).await;
        assert_eq!(
            (status, &answer["Plaintext"]),
            (200, &json!("aGk=")),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn expired_material_is_deleted_by_the_housekeeping_sweep() {
    let (svc, clock, _) = test_support::service().await;
    let key = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let now_s = (svc.clock)() / 1000;
    let valid_to = now_s + 3600;
    let (status, answer) = import(&svc, &key, &[3u8; 32], json!({"ValidTo": valid_to})).await;
    assert_eq!(status, 200, "{answer}");
    let (_, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
    assert_eq!(
        described["KeyMetadata"]["ExpirationModel"],
        "KEY_MATERIAL_EXPIRES"
    );
    assert_eq!(
        described["KeyMetadata"]["ValidTo"].as_f64(),
        Some(valid_to as f64)
    );
    assert_eq!(crate::import_expiry::expire_due(&svc).await, 0);
    clock.advance_ms(3_600_000);
    assert_eq!(crate::import_expiry::expire_due(&svc).await, 1);
    assert_eq!(crate::import_expiry::expire_due(&svc).await, 0);
    let (_, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
    assert_eq!(described["KeyMetadata"]["KeyState"], "PendingImport");
    assert_error(
        &encrypt(&svc, &key).await,
        "KMSInvalidStateException",
        &format!("{ARN_PREFIX}{key} is pending import."),
    );
}

#[tokio::test]
async fn the_import_token_is_bound_to_its_key_untampered_and_valid_for_24_hours() {
    let (svc, clock, _) = test_support::service().await;
    let key = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let other = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let (token, public) = parameters(&svc, &key, "RSAES_OAEP_SHA_256").await;
    let material = wrapped(&public, WrappingAlgorithm::RsaesOaepSha256, &[4u8; 32]);
    let body = |key: &str, token: &str, material: &str| {
        json!({"KeyId": key, "ImportToken": token, "EncryptedKeyMaterial": material,
               "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"})
    };
    let answer = call(
        &svc,
        ADMIN,
        "ImportKeyMaterial",
        body(&other, &token, &material),
    )
    .await;
    assert_eq!(
        answer.1["__type"], "InvalidImportTokenException",
        "{}",
        answer.1
    );
    let mut bytes = decode_base64(&token).unwrap();
    bytes[20] ^= 1;
    let tampered = encode_base64(&bytes);
    let answer = call(
        &svc,
        ADMIN,
        "ImportKeyMaterial",
        body(&key, &tampered, &material),
    )
    .await;
    assert_eq!(
        answer.1["__type"], "InvalidImportTokenException",
        "{}",
        answer.1
    );
    let sha1 = wrapped(&public, WrappingAlgorithm::RsaesOaepSha1, &[4u8; 32]);
    let answer = call(&svc, ADMIN, "ImportKeyMaterial", body(&key, &token, &sha1)).await;
    // AWS's InvalidCiphertextException has an empty message, which the answer leaves out.
    assert_eq!(answer.1, json!({"__type": "InvalidCiphertextException"}));
    let short = wrapped(&public, WrappingAlgorithm::RsaesOaepSha256, &[4u8; 16]);
    let answer = call(&svc, ADMIN, "ImportKeyMaterial", body(&key, &token, &short)).await;
    assert_eq!(answer.1["__type"], "ValidationException", "{}", answer.1);
    let mut expiring = body(&key, &token, &material);
    expiring["ExpirationModel"] = json!("KEY_MATERIAL_EXPIRES");
    assert_error(
        &call(&svc, ADMIN, "ImportKeyMaterial", expiring).await,
        "ValidationException",
        "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
    );
    clock.advance_ms(24 * 3_600_000 + 1);
    let answer = call(
        &svc,
        ADMIN,
        "ImportKeyMaterial",
        body(&key, &token, &material),
    )
    .await;
    assert_eq!(
        answer.1["__type"], "ExpiredImportTokenException",
        "{}",
        answer.1
    );
}

#[tokio::test]
async fn import_operations_refuse_aws_kms_keys_and_rotation_refuses_external_keys() {
    let (svc, _, _) = test_support::service().await;
    let native = create_key(&svc, json!({})).await;
    let answer = get_parameters(&svc, &native, "RSAES_OAEP_SHA_1").await;
    assert_error(
        &answer,
        "UnsupportedOperationException",
        &format!("{ARN_PREFIX}{native} origin is AWS_KMS which is not valid for this operation."),
    );
    let external = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let (status, _) = import(&svc, &external, &[6u8; 32], never_expires()).await;
    assert_eq!(status, 200);
    assert_error(
        &call(&svc, ADMIN, "RotateKeyOnDemand", json!({"KeyId": external})).await,
        "UnsupportedOperationException",
        &format!(
            "{ARN_PREFIX}{external} origin is EXTERNAL which is not valid for this operation."
        ),
    );
    let answer = call(
        &svc,
        ADMIN,
        "CreateKey",
        json!({"Origin": "EXTERNAL", "KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    )
    .await;
    assert_eq!(
        answer.1["__type"], "UnsupportedOperationException",
        "{}",
        answer.1
    );
}

#[tokio::test]
async fn a_cancelled_deletion_returns_a_key_without_material_to_pending_import() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "ScheduleKeyDeletion",
        json!({"KeyId": key, "PendingWindowInDays": 7}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let pending_deletion = format!("{ARN_PREFIX}{key} is pending deletion.");
    let answer = get_parameters(&svc, &key, "RSAES_OAEP_SHA_1").await;
    assert_error(&answer, "KMSInvalidStateException", &pending_deletion);
    let (status, answer) = call(&svc, ADMIN, "CancelKeyDeletion", json!({"KeyId": key})).await;
    assert_eq!(status, 200, "{answer}");
    let (_, described) = call(&svc, ADMIN, "DescribeKey", json!({"KeyId": key})).await;
    assert_eq!(described["KeyMetadata"]["KeyState"], "PendingImport");
}

#[tokio::test]
async fn the_deprecated_pkcs1_wrapping_is_refused_and_aws_kms_keys_have_no_material_to_delete() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({"Origin": "EXTERNAL"})).await;
    let answer = get_parameters(&svc, &key, "RSAES_PKCS1_V1_5").await;
    assert_error(
        &answer,
        "ValidationException",
        "The wrapping algorithm RSAES_PKCS1_V1_5 is not supported.",
    );
    let native = create_key(&svc, json!({})).await;
    assert_error(
        &call(
            &svc,
            ADMIN,
            "DeleteImportedKeyMaterial",
            json!({"KeyId": native}),
        )
        .await,
        "UnsupportedOperationException",
        &format!("{ARN_PREFIX}{native} origin is AWS_KMS which is not valid for this operation."),
    );
}
