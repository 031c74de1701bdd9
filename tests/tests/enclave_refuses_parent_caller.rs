#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 16's red-team sequence, on the control link: a parent that writes
//! `Request { caller: <the key admin>, op: PutKeyPolicy }` and then
//! `Request { caller: <a principal it made up>, op: Decrypt }` into its own connection to the
//! enclave gets no answer, and the connection is closed. The control link carries no KMS requests
//! (`enclave/src/server/connection.rs`): the caller a frame names is never believed, so the
//! parent can neither act as the admin nor decrypt as anyone.
//!
//! Checked afterwards through the signed HTTP endpoint (the only way a request reaches the
//! service): the key policy is unchanged, a principal the policy does not name is still refused,
//! and the enclave still serves the callers the policy names. The enclave's log says it refused
//! the frames and holds neither payload.

use std::time::Duration;

use nitro_kms_tests::enclave::{ALICE, Dirs, Enclave, KEY_ADMIN, MALLORY};
use nitro_kms_wire::{
    FramedReader, FramedWriter, Hello, Limits, Message, Request, WireError, handshake,
};
use serde_json::{Value, json};
use tokio::net::UnixStream;

/// A principal the parent made up (the enclave has no key for it, nor does any policy name it).
const MADE_UP: &str = "arn:aws:iam::111122223333:role/ParentMadeThisUp";

/// docs/deploy-nitro.md's shape: the admin manages the policy but may not use the key; the
/// application (ALICE here) may use it.
fn admin_and_app_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "KeyAdministration", "Effect": "Allow",
             "Principal": {"AWS": KEY_ADMIN},
             "Action": ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey"],
             "Resource": "*"},
            {"Sid": "ApplicationUse", "Effect": "Allow",
             "Principal": {"AWS": ALICE},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
             "Resource": "*"}
        ]
    })
    .to_string()
}

/// What the parent would like the policy to be: anyone may do anything.
fn open_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ParentWasHere", "Effect": "Allow", "Principal": {"AWS": "*"},
                       "Action": "kms:*", "Resource": "*"}]
    })
    .to_string()
}

/// A parent connection of the test's own: Hello done, then `frames` written; returns every frame
/// the enclave sent afterwards, until it closed the connection (which must happen within 10 s).
async fn hostile_parent(enclave: &Enclave, frames: &[Message]) -> Vec<Message> {
    let mut stream = UnixStream::connect(&enclave.socket).await.unwrap();
    let limits = handshake(&mut stream, &Hello::new(&Limits::default()))
        .await
        .unwrap();
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = FramedReader::new(read_half, &limits);
    let mut writer = FramedWriter::new(write_half, &limits);
    for frame in frames {
        // The enclave may close the connection after the first frame, before a later one is
        // written: a failed write is that close arriving early.
        if writer.write_message(frame).await.is_err() {
            break;
        }
    }
    let mut received = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match reader.read_message().await {
                Ok(Some(message)) => received.push(message),
                Ok(None) | Err(WireError::Io(_)) => return,
                Err(e) => panic!("the enclave sent something that is not a frame: {e}"),
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the enclave kept the connection open after a Request frame"
    );
    received
}

fn request(id: u64, caller: &str, op: &str, payload: &Value) -> Message {
    Message::Request(Request {
        id,
        op: op.to_owned(),
        caller: caller.to_owned(),
        payload: payload.to_string().into_bytes(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_frames_naming_the_admin_or_a_made_up_caller_are_never_run() {
    let dirs = Dirs::new();
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;

    // Through the signed endpoint: a key under the admin/application policy, and a secret
    // encrypted under it by the application.
    let key = enclave.create_key().await;
    let policy = admin_and_app_policy();
    enclave
        .call_as(
            KEY_ADMIN,
            "PutKeyPolicy",
            &json!({"KeyId": key, "PolicyName": "default", "Policy": policy}),
        )
        .await
        .ok();
    let secret = "the application's secret, 0123456789";
    let encrypted = enclave
        .call_as(
            ALICE,
            "Encrypt",
            &json!({"KeyId": key, "Plaintext": base64_of(secret)}),
        )
        .await;
    let blob = encrypted.ok()["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_owned();
    let get_policy = json!({"KeyId": key, "PolicyName": "default"});
    let before = enclave
        .call_as(KEY_ADMIN, "GetKeyPolicy", &get_policy)
        .await;
    let before = before.ok()["Policy"].as_str().unwrap().to_owned();

    // The parent: PutKeyPolicy as the admin, then Decrypt as a principal it made up, on one
    // connection; then the Decrypt alone on another (in case the first closed before reading it).
    let put = request(
        1,
        KEY_ADMIN,
        "PutKeyPolicy",
        &json!({"KeyId": key, "PolicyName": "default", "Policy": open_policy()}),
    );
    let decrypt = request(2, MADE_UP, "Decrypt", &json!({"CiphertextBlob": blob}));
    for (what, frames) in [
        ("PutKeyPolicy then Decrypt", vec![put, decrypt.clone()]),
        ("Decrypt alone", vec![decrypt]),
    ] {
        let received = hostile_parent(&enclave, &frames).await;
        assert!(
            received.is_empty(),
            "{what}: the enclave answered the parent: {received:?}"
        );
    }

    // The policy is the admin's, unchanged; the open policy never took effect.
    let after = enclave
        .call_as(KEY_ADMIN, "GetKeyPolicy", &get_policy)
        .await;
    assert_eq!(after.ok()["Policy"].as_str().unwrap(), before);
    assert!(
        !after.ok()["Policy"]
            .as_str()
            .unwrap()
            .contains("ParentWasHere")
    );
    // A signed principal the policy does not name is still refused the Decrypt...
    let denied = enclave
        .call_as(MALLORY, "Decrypt", &json!({"CiphertextBlob": blob}))
        .await;
    assert_eq!(
        (denied.status, denied.error_type()),
        (400, "AccessDeniedException"),
        "{}",
        denied.body
    );
    // ...and the admin has no use rights, as before.
    let denied = enclave
        .call_as(KEY_ADMIN, "Decrypt", &json!({"CiphertextBlob": blob}))
        .await;
    assert_eq!(
        denied.error_type(),
        "AccessDeniedException",
        "{}",
        denied.body
    );
    // The enclave still serves the application.
    let plain = enclave
        .call_as(ALICE, "Decrypt", &json!({"CiphertextBlob": blob}))
        .await;
    assert_eq!(plain.ok()["Plaintext"], base64_of(secret));

    // The refusals are logged, without the payloads.
    let log = enclave.log_text();
    assert!(log.contains("refused a Request frame"), "{log}");
    assert!(
        log.contains("PutKeyPolicy") && log.contains("Decrypt"),
        "{log}"
    );
    assert!(!log.contains("ParentWasHere"), "{log}");
    assert!(!log.contains(&blob), "{log}");
    assert_eq!(enclave.terminate().await, Some(0));
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
