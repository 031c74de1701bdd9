#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What an operator can do about a rolled-back parent until a counter outside the parent exists
//! (issue 15, item 4; SECURITY.md, "Rollback of the sealed state").
//!
//! - A key created with its final policy in `CreateKey` has no looser state to roll back to:
//!   whichever saved copy of the sealed files the enclave restarts on, the key has that policy and
//!   a `Decrypt` without a `Recipient` is denied; a key locked down later with `PutKeyPolicy` is
//!   back on its looser policy on the copies saved before that (the documented limit).
//! - The start-up log line and the proxy's `/metrics` show the sealed state's generation and
//!   sequence number, which only grow (a monitor outside the parent alerts when either goes down).

use std::path::Path;

use nitro_kms_parent_link::state_store::{JOURNAL_FILE, SNAPSHOT_FILE};
use nitro_kms_tests::enclave::{Dirs, Enclave};
use nitro_kms_tests::proxy::{Sim, kms_call};
use nitro_kms_tests::recipient::{app, recipient_member};
use serde_json::{Value, json};

/// The final policy: the account administers the key and may encrypt; `Decrypt` only with an
/// attestation whose image is `pcr0_hex`.
fn final_policy(pcr0_hex: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Administer",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": [
                    "kms:Describe*", "kms:Get*", "kms:Put*", "kms:Enable*", "kms:Disable*",
                    "kms:TagResource", "kms:CreateAlias", "kms:ScheduleKeyDeletion",
                    "kms:CancelKeyDeletion", "kms:Encrypt"
                ],
                "Resource": "*"
            },
            {
                "Sid": "DecryptOnlyInTheEnclaveImage",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": pcr0_hex}}
            }
        ]
    })
    .to_string()
}

fn save(parent: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(parent.join(SNAPSHOT_FILE)).unwrap(),
        std::fs::read(parent.join(JOURNAL_FILE)).unwrap(),
    )
}

fn restore(parent: &Path, (snapshot, journal): &(Vec<u8>, Vec<u8>)) {
    std::fs::write(parent.join(SNAPSHOT_FILE), snapshot).unwrap();
    std::fs::write(parent.join(JOURNAL_FILE), journal).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_created_with_its_final_policy_has_no_looser_state_after_any_rollback() {
    let d = Dirs::new();
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    let image = app(&d.world, b"enclave image A", 0);
    let policy = final_policy(&image.pcr0_hex);

    let created = enclave
        .call(
            "CreateKey",
            &json!({"Policy": policy, "BypassPolicyLockoutSafetyCheck": false}),
        )
        .await;
    let key = created.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = enclave
        .call("Encrypt", &json!({"KeyId": key, "Plaintext": "c2VjcmV0"}))
        .await
        .ok()["CiphertextBlob"]
        .clone();
    // A copy of the sealed files after every mutation of the key's life.
    let mut copies = vec![save(&d.parent)];
    for (op, body) in [
        (
            "CreateAlias",
            json!({"AliasName": "alias/final", "TargetKeyId": key}),
        ),
        (
            "TagResource",
            json!({"KeyId": key, "Tags": [{"TagKey": "t", "TagValue": "v"}]}),
        ),
        ("DisableKey", json!({"KeyId": key})),
        ("EnableKey", json!({"KeyId": key})),
        (
            "ScheduleKeyDeletion",
            json!({"KeyId": key, "PendingWindowInDays": 7}),
        ),
        ("CancelKeyDeletion", json!({"KeyId": key})),
        ("EnableKey", json!({"KeyId": key})),
    ] {
        enclave.call(op, &body).await.ok();
        copies.push(save(&d.parent));
    }
    // The contrast: a key created with the default policy and locked down afterwards.
    let loose = enclave.create_key().await;
    let loose_blob = enclave
        .call("Encrypt", &json!({"KeyId": loose, "Plaintext": "bG9vc2U="}))
        .await
        .ok()["CiphertextBlob"]
        .clone();
    let before_lockdown = save(&d.parent);
    enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": loose, "PolicyName": "default", "Policy": policy}),
        )
        .await
        .ok();
    copies.push(save(&d.parent));
    enclave.kill().await;

    for (n, copy) in copies.iter().enumerate() {
        restore(&d.parent, copy);
        let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
        let stored = enclave
            .call(
                "GetKeyPolicy",
                &json!({"KeyId": key, "PolicyName": "default"}),
            )
            .await;
        let stored: Value = serde_json::from_str(stored.ok()["Policy"].as_str().unwrap()).unwrap();
        let expected: Value = serde_json::from_str(&policy).unwrap();
        assert_eq!(stored, expected, "copy {n}: the key is on another policy");
        let plain = enclave
            .call("Decrypt", &json!({"CiphertextBlob": blob}))
            .await;
        assert_eq!(plain.status, 400, "copy {n}: {}", plain.body);
        assert!(
            plain.body["Plaintext"].is_null(),
            "copy {n}: {}",
            plain.body
        );
        if n == 0 || n == copies.len() - 1 {
            // Enabled on these copies: denied by the policy itself, and the attested path works.
            assert_eq!(plain.error_type(), "AccessDeniedException", "copy {n}");
            let attested = enclave
                .call(
                    "Decrypt",
                    &json!({"CiphertextBlob": blob, "Recipient": recipient_member(&image.document)}),
                )
                .await;
            assert!(attested.ok()["Plaintext"].is_null());
            assert!(attested.ok()["CiphertextForRecipient"].is_string());
        }
        enclave.kill().await;
    }

    // The key tightened later is back on its default policy on the copy saved before that.
    restore(&d.parent, &before_lockdown);
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    let plain = enclave
        .call("Decrypt", &json!({"CiphertextBlob": loose_blob}))
        .await;
    assert_eq!(plain.ok()["Plaintext"], "bG9vc2U=");
    let plain = enclave
        .call("Decrypt", &json!({"CiphertextBlob": blob}))
        .await;
    assert_eq!(
        plain.error_type(),
        "AccessDeniedException",
        "{}",
        plain.body
    );
    assert_eq!(enclave.terminate().await, Some(0));
}

/// `(generation, sequence)` of the start-up log line `..., generation G, sequence S`.
fn logged_position(log: &str) -> (u64, u64) {
    let line = log
        .lines()
        .rfind(|l| l.contains("nitro-kms-enclave: keystore"))
        .unwrap_or_else(|| panic!("no keystore line in {log}"));
    let number_after = |label: &str| -> u64 {
        let rest = &line[line
            .rfind(label)
            .unwrap_or_else(|| panic!("{label} in {line}"))
            + label.len()..];
        rest.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or_else(|e| panic!("{label} in {line}: {e}"))
    };
    (number_after("generation "), number_after("sequence "))
}

/// `(generation, sequence)` on the proxy's `/metrics` (its admin port).
fn metrics_position(sim: &Sim) -> (u64, u64) {
    let page = sim.admin_get("/metrics");
    let text = String::from_utf8(page.body).unwrap();
    let gauge = |name: &str| -> u64 {
        assert!(
            text.contains(&format!("# TYPE {name} gauge")),
            "{name} in {text}"
        );
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .parse()
            .unwrap()
    };
    (
        gauge("nitro_kms_sealed_state_generation"),
        gauge("nitro_kms_sealed_state_sequence"),
    )
}

#[test]
fn the_start_up_log_and_metrics_show_the_sealed_state_generation_and_sequence_growing() {
    let sim = Sim::start(&[]);
    // Requests wait for the keystore: once one is answered, it is loaded and compacted.
    assert_eq!(kms_call(&sim, "ListKeys", &json!({})).status, 200);
    let first = metrics_position(&sim);
    // After that line, the first start commits the service identity (issue 16): one record.
    let (generation, sequence) = logged_position(&sim.log_text());
    assert_eq!((generation, sequence + 1), first, "{}", sim.log_text());
    assert_eq!(kms_call(&sim, "CreateKey", &json!({})).status, 200);
    assert_eq!(kms_call(&sim, "CreateKey", &json!({})).status, 200);
    let written = metrics_position(&sim);
    assert_eq!(written, (first.0, first.1 + 2), "two records appended");

    let restarted = Sim::start_in(sim.crash(), &[]);
    assert_eq!(kms_call(&restarted, "ListKeys", &json!({})).status, 200);
    let again = metrics_position(&restarted);
    // The restart compacted everything into the next generation; nothing went down.
    assert_eq!(again, (written.0 + 1, written.1));
    assert_eq!(logged_position(&restarted.log_text()), again);
}
