#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Decrypt with `Recipient` for an RSA `ENCRYPT_DECRYPT` key, through the real simulated enclave.
//! The Decrypt API reference's `Recipient` is not limited to symmetric keys: KMS decrypts the
//! ciphertext and returns the plaintext only inside `CiphertextForRecipient`, wrapped for the
//! attested key, and the `kms:RecipientAttestation:*` policy conditions decide as for symmetric
//! keys. The RSA ciphertext here is made outside KMS with the public key from GetPublicKey
//! (RSAES_OAEP_SHA_256), as an application that only holds the public key would.

use nitro_kms_attest::recipient;
use nitro_kms_crypto::RsaPublicKey;
use nitro_kms_tests::enclave::{ALICE, Enclave, key_arn};
use nitro_kms_tests::recipient::{app, attested_only_policy, recipient_member};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_for_a_recipient_wraps_an_rsa_keys_plaintext_and_obeys_the_pcr0_condition() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let enclave = Enclave::start(&world, &dir.path().join("parent"), &[]).await;
    let good = app(&world, b"enclave image A", 0);
    let created = enclave
        .call(
            "CreateKey",
            &json!({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT",
                    "Policy": attested_only_policy("kms:RecipientAttestation:ImageSha384", &good.pcr0_hex)}),
        )
        .await;
    let key = created.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let public = enclave
        .call("GetPublicKey", &json!({"KeyId": key}))
        .await
        .blob("PublicKey");
    let blob = RsaPublicKey::from_spki_der(&public)
        .unwrap()
        .encrypt_oaep_sha256(b"for the enclave only")
        .unwrap();
    let decrypt = |document: Option<&[u8]>| {
        let mut body = json!({"KeyId": key, "CiphertextBlob": nitro_kms_api::blob::encode_base64(&blob),
                              "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"});
        if let Some(document) = document {
            body["Recipient"] = recipient_member(document);
        }
        body
    };

    let admitted = enclave
        .call("Decrypt", &decrypt(Some(&good.document)))
        .await;
    let answer = admitted.ok().clone();
    assert!(answer.get("Plaintext").is_none(), "{answer}");
    assert!(answer.get("KeyMaterialId").is_none(), "{answer}");
    assert_eq!(answer["EncryptionAlgorithm"], "RSAES_OAEP_SHA_256");
    assert_eq!(answer["KeyId"], key_arn(&key));
    let plaintext =
        recipient::decrypt(&admitted.blob("CiphertextForRecipient"), &good.key).unwrap();
    assert_eq!(plaintext.expose(), b"for the enclave only");

    let denied = format!(
        "User: {ALICE} is not authorized to perform: kms:Decrypt on resource: {} because no resource-based policy allows the kms:Decrypt action",
        key_arn(&key)
    );
    let other = app(&world, b"enclave image B", 0);
    enclave
        .call("Decrypt", &decrypt(Some(&other.document)))
        .await
        .assert_error(400, "AccessDeniedException", &denied);
    enclave.call("Decrypt", &decrypt(None)).await.assert_error(
        400,
        "AccessDeniedException",
        &denied,
    );
}
