#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Grants through the enclave's own HTTP endpoint (the real binary), with two callers of
//! different principals: Alice owns a key whose policy admits only her, and grants Bob
//! Encrypt and Decrypt. Sources: AWS's developer guide ("Grants in AWS KMS", "Grant tokens",
//! "Retiring and revoking grants"), the model's error rows (kms-service-2.json), the recorded
//! `Grants must not contain only the CreateGrant operation.` (ansible/ansible#31960) and
//! `Grant token OR (grant ID, key ID) must be specified` (localstack's KMS provider); the other
//! grant messages have no public AWS recording and are this service's.

use nitro_kms_tests::enclave::{ALICE, BOB, Dirs, Enclave, KEY_ADMIN, key_arn};
use serde_json::{Value, json};

fn alice_only_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"
    }]})
    .to_string()
}

async fn alices_key(enclave: &Enclave) -> String {
    let reply = enclave
        .call("CreateKey", &json!({"Policy": alice_only_policy()}))
        .await;
    reply.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn encrypt_body(key: &str) -> Value {
    json!({"KeyId": key, "Plaintext": "AQID"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_lets_bob_encrypt_and_decrypt_until_it_is_retired_or_revoked() {
    let dirs = Dirs::new();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let key = alices_key(&enclave).await;
    let denied = enclave.call_as(BOB, "Encrypt", &encrypt_body(&key)).await;
    assert_eq!(denied.error_type(), "AccessDeniedException");

    let created = enclave
        .call(
            "CreateGrant",
            &json!({"KeyId": key, "GranteePrincipal": BOB, "RetiringPrincipal": KEY_ADMIN,
                    "Operations": ["Encrypt", "Decrypt"]}),
        )
        .await;
    let token = created.ok()["GrantToken"].as_str().unwrap().to_owned();
    let grant_id = created.ok()["GrantId"].as_str().unwrap().to_owned();
    // Used at once, with its token and without (grants here are consistent at once).
    let mut with_token = encrypt_body(&key);
    with_token["GrantTokens"] = json!([token]);
    let sealed = enclave.call_as(BOB, "Encrypt", &with_token).await;
    let blob = sealed.ok()["CiphertextBlob"].clone();
    let opened = enclave
        .call_as(BOB, "Decrypt", &json!({ "CiphertextBlob": blob }))
        .await;
    assert_eq!(opened.ok()["Plaintext"], "AQID");
    let not_granted = enclave
        .call_as(
            BOB,
            "GenerateDataKey",
            &json!({"KeyId": key, "KeySpec": "AES_256"}),
        )
        .await;
    assert_eq!(not_granted.error_type(), "AccessDeniedException");

    // The listing shows the grant as the model's GrantListEntry.
    let listed = enclave.call("ListGrants", &json!({ "KeyId": key })).await;
    let entry = &listed.ok()["Grants"][0];
    assert_eq!(entry["GrantId"], grant_id.as_str());
    assert_eq!(entry["KeyId"], key_arn(&key).as_str());
    assert_eq!(entry["GranteePrincipal"], BOB);
    assert_eq!(entry["Operations"], json!(["Encrypt", "Decrypt"]));
    assert_eq!(entry["IssuingAccount"], "arn:aws:iam::111122223333:root");

    // Retired by the retiring principal, by token: Bob is denied again.
    enclave
        .call_as(KEY_ADMIN, "RetireGrant", &json!({ "GrantToken": token }))
        .await
        .ok();
    let after = enclave.call_as(BOB, "Encrypt", &encrypt_body(&key)).await;
    assert_eq!(after.error_type(), "AccessDeniedException");

    // A second grant, revoked by Alice (kms:RevokeGrant in the key policy).
    let second = enclave
        .call(
            "CreateGrant",
            &json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"]}),
        )
        .await;
    let second_id = second.ok()["GrantId"].as_str().unwrap().to_owned();
    enclave
        .call_as(BOB, "Encrypt", &encrypt_body(&key))
        .await
        .ok();
    enclave
        .call("RevokeGrant", &json!({"KeyId": key, "GrantId": second_id}))
        .await
        .ok();
    let revoked = enclave.call_as(BOB, "Encrypt", &encrypt_body(&key)).await;
    assert_eq!(revoked.error_type(), "AccessDeniedException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_error_rows_answer_with_their_types_and_messages() {
    let dirs = Dirs::new();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let key = alices_key(&enclave).await;
    enclave
        .call(
            "CreateGrant",
            &json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["CreateGrant"]}),
        )
        .await
        .assert_error(
            400,
            "ValidationException",
            "Grants must not contain only the CreateGrant operation.",
        );
    let missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
    enclave
        .call(
            "CreateGrant",
            &json!({"KeyId": missing, "GranteePrincipal": BOB, "Operations": ["Encrypt"]}),
        )
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!("Key '{}' does not exist", key_arn(missing)),
        );
    enclave
        .call("RetireGrant", &json!({ "GrantId": "g" }))
        .await
        .assert_error(
            400,
            "ValidationException",
            "Grant token OR (grant ID, key ID) must be specified",
        );
    enclave
        .call("RevokeGrant", &json!({"KeyId": key, "GrantId": "g"}))
        .await
        .assert_error(400, "InvalidGrantIdException", "Invalid grant ID");
    enclave
        .call(
            "RevokeGrant",
            &json!({"KeyId": key, "GrantId": "ab".repeat(32)}),
        )
        .await
        .assert_error(400, "NotFoundException", "Grant ID not found");
    enclave
        .call(
            "CreateGrant",
            &json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"], "DryRun": true}),
        )
        .await
        .assert_error(
            400,
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.",
        );
    // A forged token is refused wherever tokens are accepted.
    let mut forged = encrypt_body(&key);
    forged["GrantTokens"] = json!(["00".repeat(120)]);
    enclave.call("Encrypt", &forged).await.assert_error(
        400,
        "InvalidGrantTokenException",
        "Invalid grant token.",
    );
}
