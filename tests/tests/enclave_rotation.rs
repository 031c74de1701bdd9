#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Key rotation through the enclave's own HTTP endpoint (the real binary): each error row that
//! applies, with AWS's exact status, `__type` and message, and old ciphertexts after three
//! on-demand rotations surviving a restart of the enclave. Sources: the model
//! (kms-service-2.json: RotationPeriodInDaysType 90..2560, each operation's errors) and the
//! recorded AWS errors (shared/spec/aws-kms-real-errors.txt:
//! test_rotate_key_on_demand_raises_error_given_key_is_disabled,
//! test_rotate_key_on_demand_raises_error_given_key_that_does_not_exist,
//! test_rotate_key_on_demand_raises_error_given_non_symmetric_key, test_key_rotations_limits).

use nitro_kms_tests::enclave::{Dirs, Enclave, key_arn};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_error_rows_answer_as_aws_does() {
    let dirs = Dirs::new();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let key = enclave.create_key().await;
    let arn = key_arn(&key);

    enclave
        .call("EnableKeyRotation", &json!({"KeyId": key, "RotationPeriodInDays": 89}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
        );
    let missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
    enclave
        .call("RotateKeyOnDemand", &json!({ "KeyId": missing }))
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!("Key '{}' does not exist", key_arn(missing)),
        );
    let hmac = enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
        )
        .await;
    let hmac = hmac.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    enclave
        .call("RotateKeyOnDemand", &json!({ "KeyId": hmac }))
        .await
        .assert_error(400, "UnsupportedOperationException", "");
    for _ in 0..25 {
        enclave
            .call("RotateKeyOnDemand", &json!({ "KeyId": key }))
            .await
            .ok();
    }
    enclave
        .call("RotateKeyOnDemand", &json!({ "KeyId": key }))
        .await
        .assert_error(
            400,
            "LimitExceededException",
            &format!("The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {arn}"),
        );
    enclave
        .call("DisableKey", &json!({ "KeyId": key }))
        .await
        .ok();
    enclave
        .call("RotateKeyOnDemand", &json!({ "KeyId": key }))
        .await
        .assert_error(400, "DisabledException", &format!("{arn} is disabled."));
    enclave
        .call("ScheduleKeyDeletion", &json!({ "KeyId": key }))
        .await
        .ok();
    enclave
        .call("GetKeyRotationStatus", &json!({ "KeyId": key }))
        .await
        .assert_error(
            400,
            "KMSInvalidStateException",
            &format!("{arn} is pending deletion."),
        );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ciphertext_made_before_three_rotations_decrypts_after_a_restart() {
    let dirs = Dirs::new();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let key = enclave.create_key().await;
    let before = enclave
        .call("Encrypt", &json!({"KeyId": key, "Plaintext": "b2xk"}))
        .await;
    let blob = before.ok()["CiphertextBlob"].clone();
    for _ in 0..3 {
        enclave
            .call("RotateKeyOnDemand", &json!({ "KeyId": key }))
            .await
            .ok();
    }
    assert_eq!(enclave.terminate().await, Some(0));
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let opened = enclave
        .call("Decrypt", &json!({ "CiphertextBlob": blob }))
        .await;
    assert_eq!(opened.ok()["Plaintext"], "b2xk");
    let listed = enclave
        .call("ListKeyRotations", &json!({ "KeyId": key }))
        .await;
    assert_eq!(listed.ok()["Rotations"].as_array().unwrap().len(), 3);
}
