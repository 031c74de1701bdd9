#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Smoke: the enclave starts, makes a key, a data key, and decrypts it.

use nitro_kms_tests::enclave::{Enclave, key_arn};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_data_key_then_decrypt_returns_the_same_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("world"), &dir.path().join("parent"), &[]).await;
    let key = enclave.create_key().await;
    let gdk = enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": key, "KeySpec": "AES_256"}),
        )
        .await;
    assert_eq!(gdk.ok()["KeyId"], key_arn(&key));
    let plaintext = gdk.blob("Plaintext");
    assert_eq!(plaintext.len(), 32);
    let dec = enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": gdk.ok()["CiphertextBlob"]}),
        )
        .await;
    assert_eq!(dec.blob("Plaintext"), plaintext);
    assert_eq!(enclave.terminate().await, Some(0));
}
