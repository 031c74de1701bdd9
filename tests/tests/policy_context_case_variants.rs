#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 15, item 3, through the real simulated enclave: encryption-context keys that differ only
//! in case must not switch a key policy's `Deny` off nor its `Allow` on.
//!
//! On 3ba6dd6, with a `Deny` on `StringNotEquals kms:EncryptionContext:tenant = alice`, the context
//! `{"tenant":"bob"}` was denied but `{"tenant":"bob","Tenant":"alice"}` was allowed: the two
//! case-variant keys were gathered as two values and a negated operator needed every value to
//! differ. Now a `Deny` applies if its condition holds for any case variant, an `Allow` only if it
//! holds for every one (`enclave/src/policy/evaluate.rs`, `docs/key-policies.md`).

use nitro_kms_tests::enclave::{ALICE, Dirs, Enclave, key_arn};
use serde_json::{Value, json};

/// A second principal of the key's account, the one the policy restricts.
const BOB: &str = "arn:aws:iam::111122223333:user/bob";

/// ALICE administers the key; BOB may Encrypt/Decrypt except outside tenant `alice` (the issue's
/// Deny), and may GenerateDataKey only for tenant `alice` (the Allow side).
fn policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "BobUses", "Effect": "Allow", "Principal": {"AWS": BOB},
             "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
            {"Sid": "OnlyTenantAlice", "Effect": "Deny", "Principal": {"AWS": BOB},
             "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
             "Condition": {"StringNotEquals": {"kms:EncryptionContext:tenant": "alice"}}},
            {"Sid": "BobGeneratesForAlice", "Effect": "Allow", "Principal": {"AWS": BOB},
             "Action": "kms:GenerateDataKey", "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "alice"}}}
        ]
    })
    .to_string()
}

fn denied(op: &str, key: &str, why: &str) -> String {
    format!(
        "User: {BOB} is not authorized to perform: kms:{op} on resource: {} {why}",
        key_arn(key)
    )
}

const EXPLICIT: &str = "with an explicit deny in a resource-based policy";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_variant_context_keys_neither_lift_a_deny_nor_grant_an_allow() {
    let dirs = Dirs::new();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let key = enclave.create_key().await;
    assert_eq!(
        enclave
            .call(
                "PutKeyPolicy",
                &json!({"KeyId": key, "PolicyName": "default", "Policy": policy()})
            )
            .await
            .body,
        Value::Null
    );
    let encrypt =
        |context: Value| json!({"KeyId": key, "Plaintext": "AQID", "EncryptionContext": context});

    // The Deny: tenant=alice passes, tenant=bob is denied, and so is tenant=bob with Tenant=alice.
    enclave
        .call_as(BOB, "Encrypt", &encrypt(json!({"tenant": "alice"})))
        .await
        .ok();
    enclave
        .call_as(BOB, "Encrypt", &encrypt(json!({"tenant": "bob"})))
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied("Encrypt", &key, EXPLICIT),
        );
    enclave
        .call_as(
            BOB,
            "Encrypt",
            &encrypt(json!({"tenant": "bob", "Tenant": "alice"})),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied("Encrypt", &key, EXPLICIT),
        );

    // Decrypt of a blob ALICE made under that context: the same Deny.
    let mixed = json!({"tenant": "bob", "Tenant": "alice"});
    let blob =
        enclave.call("Encrypt", &encrypt(mixed.clone())).await.ok()["CiphertextBlob"].clone();
    enclave
        .call_as(
            BOB,
            "Decrypt",
            &json!({"CiphertextBlob": blob, "EncryptionContext": mixed}),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied("Decrypt", &key, EXPLICIT),
        );

    // The Allow: tenant=alice, or Tenant=alice alone (AWS matches the key part without regard to
    // case), but not with a second spelling whose value is another tenant.
    let gdk =
        |context: Value| json!({"KeyId": key, "KeySpec": "AES_256", "EncryptionContext": context});
    for context in [json!({"tenant": "alice"}), json!({"Tenant": "alice"})] {
        enclave
            .call_as(BOB, "GenerateDataKey", &gdk(context))
            .await
            .ok();
    }
    enclave
        .call_as(
            BOB,
            "GenerateDataKey",
            &gdk(json!({"tenant": "alice", "Tenant": "bob"})),
        )
        .await
        .assert_error(
            400,
            "AccessDeniedException",
            &denied(
                "GenerateDataKey",
                &key,
                "because no resource-based policy allows the kms:GenerateDataKey action",
            ),
        );
    enclave.terminate().await;
}
