#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A read replica that receives whole client connections forwards the mutations to the leader
//! through a parent the test plays ([`ReplicaPair`]): the mutation takes effect on the leader and
//! is visible on the replica as soon as the client has its answer, and reads on the replica see
//! writes acknowledged on the leader.
//!
//! The parent is hostile too: forged, replayed, stale and foreign `Forward`s written straight to
//! the leader are refused without running anything, and forged or swapped `ForwardReply`s never
//! reach a client as answers.

use std::time::{SystemTime, UNIX_EPOCH};

use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_enclave::replica_forward::{FORWARD_KEY_LABEL, ForwardKey};
use nitro_kms_enclave::storage::seal::SealingKey;
use nitro_kms_enclave::storage::sealing_key;
use nitro_kms_tests::proxy::HttpResponse;
use nitro_kms_tests::replica_pair::ReplicaPair;
use nitro_kms_wire::{Forward, ForwardReply};
use serde_json::{Value, json};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[track_caller]
fn ok(r: &HttpResponse) -> Value {
    r.ok_json()
}

/// How many keys the leader serves.
async fn leader_keys(pair: &ReplicaPair) -> usize {
    let r = pair
        .kms(&pair.leader_http, "ListKeys", json!({"Limit": 1000}))
        .await;
    ok(&r)["Keys"].as_array().map_or(0, Vec::len)
}

/// The forwarding key of this world, derived from its sealing key as the enclaves derive it (what
/// only an enclave of this image could hold: the test stands in for one).
fn world_key(pair: &ReplicaPair) -> ForwardKey {
    let bytes = std::fs::read(pair.world.join(sealing_key::FILE_NAME)).unwrap();
    let sealing = SealingKey::new(SecretBytes::new(bytes)).unwrap();
    ForwardKey::from_bytes(sealing.derive(FORWARD_KEY_LABEL).unwrap())
}

/// A forward of `op` with `body`, MAC'd under `key`, issued at `issued_at_ms`.
fn forward(key: &ForwardKey, id: u64, op: &str, body: Value, issued_at_ms: u64) -> Forward {
    let mut forward = Forward {
        id,
        op: op.to_owned(),
        caller: "arn:aws:iam::111122223333:root".to_owned(),
        payload: body.to_string().into_bytes(),
        issued_at_ms,
        nonce: id ^ 0x5a5a_5a5a,
        mac: Vec::new(),
    };
    forward.mac = key.forward_mac(&forward);
    forward
}

#[track_caller]
fn assert_refused(reply: &ForwardReply, why: &str) {
    assert!(reply.mac.is_empty(), "a refusal is not authenticated");
    assert_eq!(reply.status.code(), 403);
    let text = String::from_utf8_lossy(&reply.payload);
    assert!(text.contains(why), "{text}");
}

#[tokio::test]
async fn a_mutation_sent_to_the_replica_runs_on_the_leader_and_is_visible_on_the_replica_at_once() {
    let pair = ReplicaPair::start().await;
    let created = pair
        .kms(
            &pair.replica_http,
            "CreateKey",
            json!({"Description": "via the replica"}),
        )
        .await;
    let key_id = ok(&created)["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(pair.forwards().len(), 1, "the mutation was forwarded");
    assert_eq!(pair.forwards()[0].op, "CreateKey");
    // It ran on the leader...
    let on_leader = pair
        .kms(&pair.leader_http, "DescribeKey", json!({"KeyId": key_id}))
        .await;
    assert_eq!(
        ok(&on_leader)["KeyMetadata"]["Description"],
        "via the replica"
    );
    // ...and the replica serves it right after answering (no Sync was sent since its first).
    let on_replica = pair
        .kms(&pair.replica_http, "DescribeKey", json!({"KeyId": key_id}))
        .await;
    assert_eq!(ok(&on_replica)["KeyMetadata"]["KeyId"], key_id.as_str());

    // A write acknowledged on the leader to another client, then a read on the replica.
    ok(&pair
        .kms(
            &pair.leader_http,
            "CreateAlias",
            json!({"AliasName": "alias/written-on-the-leader", "TargetKeyId": key_id}),
        )
        .await);
    let by_alias = pair
        .kms(
            &pair.replica_http,
            "DescribeKey",
            json!({"KeyId": "alias/written-on-the-leader"}),
        )
        .await;
    assert_eq!(ok(&by_alias)["KeyMetadata"]["KeyId"], key_id.as_str());
    // A data-plane read on the replica works with the new key, and is not forwarded.
    let data_key = pair
        .kms(
            &pair.replica_http,
            "GenerateDataKey",
            json!({"KeyId": "alias/written-on-the-leader", "KeySpec": "AES_256"}),
        )
        .await;
    ok(&data_key);
    // A mutation refused by the leader comes back as the leader's (authenticated) answer.
    let refused = pair
        .kms(
            &pair.replica_http,
            "CreateAlias",
            json!({"AliasName": "alias/written-on-the-leader", "TargetKeyId": key_id}),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["__type"], "AlreadyExistsException");
    assert_eq!(pair.forwards().len(), 2);
}

#[tokio::test]
async fn forged_replayed_stale_and_foreign_forwards_are_refused_and_nothing_runs() {
    let pair = ReplicaPair::start().await;
    ok(&pair.kms(&pair.replica_http, "CreateKey", json!({})).await);
    let genuine = pair.forwards().pop().unwrap();
    let keys = leader_keys(&pair).await;
    assert_eq!(keys, 1);

    // Replayed: the genuine forward, again.
    assert_refused(&pair.to_leader(genuine.clone()).await, "already used");
    // Forged: the genuine forward with another caller, another operation, or a MAC of its own.
    let mut as_admin = genuine.clone();
    as_admin.caller = "arn:aws:iam::111122223333:role/KmsKeyAdmin".into();
    as_admin.nonce += 1;
    assert_refused(&pair.to_leader(as_admin).await, "does not authenticate");
    let mut other_op = genuine.clone();
    other_op.op = "ScheduleKeyDeletion".into();
    other_op.nonce += 2;
    assert_refused(&pair.to_leader(other_op).await, "does not authenticate");
    let mut made_up = genuine.clone();
    made_up.id = 77;
    made_up.nonce = 77;
    made_up.issued_at_ms = now_ms();
    made_up.mac = vec![0; 32];
    assert_refused(&pair.to_leader(made_up).await, "does not authenticate");
    // From an enclave of another world: MAC'd, but under another sealing key's forwarding key.
    let foreign_sealing = SealingKey::generate().unwrap();
    let foreign = ForwardKey::from_bytes(foreign_sealing.derive(FORWARD_KEY_LABEL).unwrap());
    let from_elsewhere = forward(&foreign, 78, "CreateKey", json!({}), now_ms());
    assert_refused(
        &pair.to_leader(from_elsewhere).await,
        "does not authenticate",
    );
    // Stale: MAC'd with this world's key, issued a minute ago.
    let ours = world_key(&pair);
    let stale = forward(&ours, 79, "CreateKey", json!({}), now_ms() - 60_000);
    assert_refused(&pair.to_leader(stale).await, "away from the leader's clock");
    assert_eq!(leader_keys(&pair).await, keys, "nothing ran");

    // The same key and a fresh time are accepted (so the refusals above were for what they say).
    let fresh = forward(&ours, 80, "CreateKey", json!({}), now_ms());
    let nonce = fresh.nonce;
    let answer = pair.to_leader(fresh).await;
    assert_eq!(answer.status.code(), 200);
    assert!(ours.verifies_reply(nonce, &answer));
    assert_eq!(leader_keys(&pair).await, keys + 1);
}

#[tokio::test]
async fn forged_or_swapped_forward_replies_never_reach_the_client_as_answers() {
    let pair = ReplicaPair::start().await;
    let first = pair
        .kms(
            &pair.replica_http,
            "CreateKey",
            json!({"Description": "first"}),
        )
        .await;
    let first_id = ok(&first)["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let genuine_reply = pair.replies().pop().unwrap();

    // Forged: the leader's answer rewritten (another key's metadata).
    pair.tamper(Some(Box::new(|mut reply: ForwardReply| {
        reply.payload =
            br#"{"KeyMetadata":{"KeyId":"00000000-0000-0000-0000-000000000000"}}"#.to_vec();
        reply
    })));
    let forged = pair
        .kms(
            &pair.replica_http,
            "CreateKey",
            json!({"Description": "second"}),
        )
        .await;
    assert_eq!(
        forged.status,
        500,
        "{}",
        String::from_utf8_lossy(&forged.body)
    );
    assert_eq!(forged.json()["__type"], "KMSInternalException");
    assert!(!String::from_utf8_lossy(&forged.body).contains("00000000-0000"));

    // Swapped: the genuine answer to the first forward, delivered as the answer to a new one.
    pair.tamper(Some(Box::new(move |reply: ForwardReply| ForwardReply {
        id: reply.id,
        ..genuine_reply.clone()
    })));
    let swapped = pair
        .kms(
            &pair.replica_http,
            "CreateKey",
            json!({"Description": "third"}),
        )
        .await;
    assert_eq!(swapped.status, 500);
    assert_eq!(swapped.json()["__type"], "KMSInternalException");
    assert!(!String::from_utf8_lossy(&swapped.body).contains(&first_id));

    // An unauthenticated "leader unavailable" from the parent: retryable.
    pair.tamper(Some(Box::new(|mut reply: ForwardReply| {
        reply.mac.clear();
        reply
    })));
    let dropped = pair
        .kms(
            &pair.replica_http,
            "CreateKey",
            json!({"Description": "fourth"}),
        )
        .await;
    assert_eq!(dropped.status, 500);
    assert_eq!(dropped.json()["__type"], "DependencyTimeoutException");

    // Relayed faithfully again, forwarding works.
    pair.tamper(None);
    ok(&pair
        .kms(
            &pair.replica_http,
            "CreateKey",
            json!({"Description": "fifth"}),
        )
        .await);
    assert!(
        pair.log(1).contains("does not authenticate"),
        "{}",
        pair.log(1)
    );
}
