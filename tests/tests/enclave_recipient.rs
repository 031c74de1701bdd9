#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `Recipient` end to end: a simulated NSM in the enclave's world attests a fresh RSA key; the
//! enclave verifies the document against the world's (explicitly trusted) simulated root, wraps
//! the secret for that key in `CiphertextForRecipient` and never returns `Plaintext`; a key
//! policy conditioned on PCR0 admits the matching image only.

use nitro_kms_attest::recipient;
use nitro_kms_tests::enclave::{ALICE, Enclave, key_arn};
use nitro_kms_tests::recipient::{app, attested_only_policy, recipient_member};
use serde_json::json;

/// A policy: the account administers the key; only callers attesting `pcr0_hex` may use it.
fn pcr0_policy(pcr0_hex: &str) -> String {
    attested_only_policy("kms:RecipientAttestation:ImageSha384", pcr0_hex)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipient_gets_ciphertext_for_recipient_that_decrypts_to_the_data_key() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let enclave = Enclave::start(&world, &dir.path().join("parent"), &[]).await;
    let key = enclave.create_key().await;
    let app = app(&world, b"enclave image A", 0);

    let gdk = enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": key, "KeySpec": "AES_256", "Recipient": recipient_member(&app.document)}),
        )
        .await;
    let body = gdk.ok().clone();
    assert!(body.get("Plaintext").is_none(), "{body}");
    assert!(body.get("KeyMaterialId").is_none(), "{body}");
    assert_eq!(body["KeyId"], key_arn(&key));
    let data_key = recipient::decrypt(&gdk.blob("CiphertextForRecipient"), &app.key).unwrap();
    assert_eq!(data_key.len(), 32);

    // Decrypt of CiphertextBlob with the same Recipient yields the same key, wrapped again.
    let dec = enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": body["CiphertextBlob"], "Recipient": recipient_member(&app.document)}),
        )
        .await;
    assert!(dec.ok().get("Plaintext").is_none(), "{}", dec.body);
    let again = recipient::decrypt(&dec.blob("CiphertextForRecipient"), &app.key).unwrap();
    assert_eq!(again.expose(), data_key.expose());

    // And a plain Decrypt (allowed by the default policy) agrees.
    let plain = enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": body["CiphertextBlob"]}),
        )
        .await;
    assert_eq!(plain.blob("Plaintext"), data_key.expose());

    // GenerateRandom and GenerateDataKeyPair wrap for the recipient too.
    let random = enclave
        .call(
            "GenerateRandom",
            &json!({"NumberOfBytes": 48, "Recipient": recipient_member(&app.document)}),
        )
        .await;
    assert!(random.ok().get("Plaintext").is_none());
    assert_eq!(
        recipient::decrypt(&random.blob("CiphertextForRecipient"), &app.key)
            .unwrap()
            .len(),
        48
    );
    let pair = enclave
        .call(
            "GenerateDataKeyPair",
            &json!({"KeyId": key, "KeyPairSpec": "ECC_NIST_P256", "Recipient": recipient_member(&app.document)}),
        )
        .await;
    assert!(pair.ok().get("PrivateKeyPlaintext").is_none());
    let private = recipient::decrypt(&pair.blob("CiphertextForRecipient"), &app.key).unwrap();
    let unwrapped = enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": pair.ok()["PrivateKeyCiphertextBlob"]}),
        )
        .await;
    assert_eq!(unwrapped.blob("Plaintext"), private.expose());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcr0_policy_admits_the_image_and_denies_other_images_plain_callers_tampered_and_old_documents()
 {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let enclave = Enclave::start(&world, &dir.path().join("parent"), &[]).await;
    let key = enclave.create_key().await;
    let good = app(&world, b"enclave image A", 0);
    let put = enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": key, "PolicyName": "default", "Policy": pcr0_policy(&good.pcr0_hex)}),
        )
        .await;
    put.ok();
    let gdk = |document: &[u8]| json!({"KeyId": key, "NumberOfBytes": 32, "Recipient": recipient_member(document)});

    // The matching image gets its key.
    let admitted = enclave.call("GenerateDataKey", &gdk(&good.document)).await;
    recipient::decrypt(&admitted.blob("CiphertextForRecipient"), &good.key).unwrap();

    let denied = format!(
        "User: {ALICE} is not authorized to perform: kms:GenerateDataKey on resource: {} because no resource-based policy allows the kms:GenerateDataKey action",
        key_arn(&key)
    );
    // Another image (other PCR0), same root: authentic, but not allowed.
    let other = app(&world, b"enclave image B", 0);
    enclave
        .call("GenerateDataKey", &gdk(&other.document))
        .await
        .assert_error(400, "AccessDeniedException", &denied);
    // A plain caller has no attestation, so the condition cannot match.
    enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": key, "NumberOfBytes": 32}),
        )
        .await
        .assert_error(400, "AccessDeniedException", &denied);
    // A tampered document (one signature byte flipped) is refused outright, never plaintext.
    let mut tampered = good.document.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let reply = enclave.call("GenerateDataKey", &gdk(&tampered)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_type(), "ValidationException", "{}", reply.body);
    assert!(
        reply
            .message()
            .starts_with("The attestation document in Recipient is not valid:"),
        "{}",
        reply.body
    );
    assert!(reply.body.get("Plaintext").is_none());
    // A document made ten minutes ago is beyond the 300-second maximum age.
    let old = app(&world, b"enclave image A", -600_000);
    let reply = enclave.call("GenerateDataKey", &gdk(&old.document)).await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "ValidationException"),
        "{}",
        reply.body
    );
    assert!(reply.message().contains("old"), "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_from_an_untrusted_simulated_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world");
    let enclave = Enclave::start(&world, &dir.path().join("parent"), &[]).await;
    let key = enclave.create_key().await;
    // Another simulated world has its own root, which this enclave was not told to trust.
    let stranger = app(&dir.path().join("other-world"), b"enclave image A", 0);
    let reply = enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": key, "KeySpec": "AES_128", "Recipient": recipient_member(&stranger.document)}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "ValidationException"),
        "{}",
        reply.body
    );
    assert!(reply.message().contains("root"), "{}", reply.body);
    assert!(reply.body.get("Plaintext").is_none());
}
