#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The etcd fleet (issue 19) loses its leader enclave under load: three enclaves on a real
//! 3-member etcd, writers (CreateKey, CreateAlias, TagResource, PutKeyPolicy) sending to whoever
//! leads and retrying the follower's error, GenerateDataKey on every enclave. The leader is
//! killed with SIGKILL mid-load; another takes over within the lease TTL and one election; the
//! writers go on through it. Afterwards every ACKNOWLEDGED change (HTTP 200) is there on every
//! enclave, every data key decrypts everywhere, no alias points at a missing key, and the killed
//! enclave, restarted, follows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nitro_kms_tests::enclave::Reply;
use nitro_kms_tests::etcd_fleet::{Fleet, FleetOptions, is_retryable};
use serde_json::{Value, json};

/// Writer tasks.
const WRITERS: usize = 2;
/// Keys acknowledged before the leader is killed.
const KEYS_BEFORE_KILL: usize = 4;
/// Keys acknowledged after the kill, by the new leader, before the load stops.
const KEYS_AFTER_KILL: usize = 4;
/// Most keys a writer makes (bounds the load whatever happens).
const MAX_KEYS_PER_WRITER: usize = 40;
/// How long one write may be retried (spans a failover many times over).
const WRITE_WITHIN: Duration = Duration::from_secs(20);

/// Every acknowledged change.
#[derive(Debug, Default)]
struct Ledger {
    keys: BTreeSet<String>,
    /// Keys acknowledged after the kill.
    keys_after_kill: usize,
    /// alias name -> key id.
    aliases: BTreeMap<String, String>,
    /// key id -> (tag key, tag value).
    tags: BTreeMap<String, (String, String)>,
    /// key id -> policy document.
    policies: BTreeMap<String, String>,
    /// (CiphertextBlob, Plaintext) of every acknowledged GenerateDataKey.
    data_keys: Vec<(Value, Value)>,
}

fn policy(marker: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": marker,
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "kms:*",
            "Resource": "*"
        }]
    })
    .to_string()
}

/// A write's answer: acknowledged (`true`), or still retryable when the writer gave up
/// (`false`, undecided); anything else is a failure of the fleet.
#[track_caller]
fn acknowledged(op: &str, reply: &Reply) -> bool {
    if reply.status == 200 {
        return true;
    }
    assert!(
        is_retryable(reply),
        "{op}: only retryable failures during a failover, got {} {}",
        reply.status,
        reply.body
    );
    false
}

async fn writer(fleet: Arc<Fleet>, ledger: Arc<Mutex<Ledger>>, stop: Arc<AtomicBool>, t: usize) {
    for n in 0..MAX_KEYS_PER_WRITER {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let name = format!("w{t}-{n}");
        let (_, created) = fleet
            .write(
                "CreateKey",
                &json!({"Description": format!("fleet {name}")}),
                WRITE_WITHIN,
            )
            .await;
        if !acknowledged("CreateKey", &created) {
            continue;
        }
        let key = created.ok()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned();
        {
            let mut ledger = ledger.lock().unwrap();
            ledger.keys.insert(key.clone());
            if KILLED.load(Ordering::SeqCst) {
                ledger.keys_after_kill += 1;
            }
        }
        let alias = format!("alias/{name}");
        let (_, aliased) = fleet
            .write(
                "CreateAlias",
                &json!({"AliasName": alias, "TargetKeyId": key}),
                WRITE_WITHIN,
            )
            .await;
        // An earlier attempt whose answer was lost may have landed: then the alias exists.
        if aliased.error_type() != "AlreadyExistsException" && acknowledged("CreateAlias", &aliased)
        {
            ledger.lock().unwrap().aliases.insert(alias, key.clone());
        }
        let (_, tagged) = fleet
            .write(
                "TagResource",
                &json!({"KeyId": key, "Tags": [{"TagKey": "writer", "TagValue": name}]}),
                WRITE_WITHIN,
            )
            .await;
        if acknowledged("TagResource", &tagged) {
            let tag = ("writer".to_owned(), name.clone());
            ledger.lock().unwrap().tags.insert(key.clone(), tag);
        }
        let document = policy(&name.replace('-', "x"));
        let (_, put) = fleet
            .write(
                "PutKeyPolicy",
                &json!({"KeyId": key, "PolicyName": "default", "Policy": document}),
                WRITE_WITHIN,
            )
            .await;
        if acknowledged("PutKeyPolicy", &put) {
            ledger.lock().unwrap().policies.insert(key, document);
        }
    }
}

/// Set once the leader is killed (the writers count what they make after it).
static KILLED: AtomicBool = AtomicBool::new(false);

/// GenerateDataKey on enclave `i`, again and again, while it runs.
async fn data_keys(
    fleet: Arc<Fleet>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    i: usize,
    key: String,
) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let reply = fleet
            .call(
                i,
                "GenerateDataKey",
                &json!({"KeyId": key, "KeySpec": "AES_256"}),
            )
            .await;
        match reply.status {
            200 => {
                let body = reply.ok();
                let pair = (body["CiphertextBlob"].clone(), body["Plaintext"].clone());
                ledger.lock().unwrap().data_keys.push(pair);
            }
            // Enclave i was killed under the call, or is not running.
            0 => {}
            _ => panic!(
                "GenerateDataKey on enclave {i} needs no leader, got {} {}",
                reply.status, reply.body
            ),
        }
    }
}

/// Waits (bounded) until `enough` holds of the ledger.
async fn wait_ledger(ledger: &Mutex<Ledger>, what: &str, enough: impl Fn(&Ledger) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while !enough(&ledger.lock().unwrap()) {
        assert!(Instant::now() < deadline, "the load did not reach {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leader_enclave_under_load_loses_no_acknowledged_change() {
    nitro_kms_tests::etcd_fleet::bounded(scenario()).await;
}

/// The whole scenario, bounded in time by the test above.
async fn scenario() {
    let Some(fleet) = Fleet::start(3, 3, FleetOptions::default()).await else {
        return;
    };
    let fleet = Arc::new(fleet);
    let first = fleet
        .wait_leader(Duration::from_secs(30))
        .await
        .expect("no leader in the new fleet");
    let seed = fleet.create_key("seed", WRITE_WITHIN).await;
    assert!(fleet.wait_everywhere(&seed, Duration::from_secs(20)).await);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    ledger.lock().unwrap().keys.insert(seed.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..WRITERS {
        tasks.push(tokio::spawn(writer(
            fleet.clone(),
            ledger.clone(),
            stop.clone(),
            t,
        )));
    }
    for i in 0..fleet.len() {
        tasks.push(tokio::spawn(data_keys(
            fleet.clone(),
            ledger.clone(),
            stop.clone(),
            i,
            seed.clone(),
        )));
    }

    wait_ledger(&ledger, "its keys before the kill", |l| {
        l.keys.len() > KEYS_BEFORE_KILL
    })
    .await;
    KILLED.store(true, Ordering::SeqCst);
    let killed_at = Instant::now();
    fleet.kill_enclave(first).await;
    // The lease expires (TTL), the followers see the leader key go and one wins: a bound, not a
    // measurement.
    let bound = fleet.lease_ttl() + Duration::from_secs(5);
    let next = fleet
        .wait_leader_other_than(Some(first), bound.saturating_sub(killed_at.elapsed()))
        .await;
    let next = next.unwrap_or_else(|| {
        panic!("no new leader within the lease TTL + 5 s of the kill of enclave {first}")
    });
    assert_ne!(next, first);
    wait_ledger(&ledger, "its keys after the kill", |l| {
        l.keys_after_kill >= KEYS_AFTER_KILL
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.expect("a load task failed");
    }

    // The killed enclave comes back as a follower of the new leader.
    fleet.restart_enclave(first).await;
    assert_eq!(
        fleet.metric(first, "nitro_kms_store_leader").await,
        Some(0.0)
    );
    assert_eq!(fleet.leader().await, Some(next));
    fleet.assert_follower_refuses(first, &seed).await;

    // One more write through the new leader: an enclave that has it has everything before it.
    let last = fleet.create_key("after the load", WRITE_WITHIN).await;
    assert!(
        fleet.wait_everywhere(&last, Duration::from_secs(20)).await,
        "an enclave did not catch up"
    );
    let mut ledger = std::mem::take(&mut *ledger.lock().unwrap());
    ledger.keys.insert(last);
    assert!(!ledger.data_keys.is_empty());
    let mut listed_by_first: Option<Vec<String>> = None;
    for i in 0..fleet.len() {
        let mut keys = fleet.key_ids(i).await;
        keys.sort();
        let listed: BTreeSet<String> = keys.iter().cloned().collect();
        assert_eq!(listed.len(), keys.len(), "enclave {i} lists a key twice");
        for key in &ledger.keys {
            assert!(
                listed.contains(key),
                "enclave {i} lost acknowledged key {key}"
            );
            let described = fleet.call(i, "DescribeKey", &json!({"KeyId": key})).await;
            assert_eq!(described.ok()["KeyMetadata"]["KeyState"], "Enabled");
        }
        match &listed_by_first {
            None => listed_by_first = Some(keys),
            Some(other) => assert_eq!(other, &keys, "enclaves {i} and 0 list other keys"),
        }
        let aliases = fleet.aliases(i).await;
        for (alias, key) in &ledger.aliases {
            assert_eq!(aliases.get(alias), Some(key), "enclave {i}: {alias}");
        }
        for (alias, key) in &aliases {
            assert!(
                listed.contains(key),
                "enclave {i}: {alias} points at key {key}, which does not exist (half-made)"
            );
        }
        for (key, (tag, value)) in &ledger.tags {
            let tags = fleet
                .call(i, "ListResourceTags", &json!({"KeyId": key}))
                .await;
            let found = tags.ok()["Tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["TagKey"] == tag.as_str() && t["TagValue"] == value.as_str());
            assert!(found, "enclave {i}: tag {tag}={value} of {key} lost");
        }
        for (key, document) in &ledger.policies {
            let got = fleet
                .call(
                    i,
                    "GetKeyPolicy",
                    &json!({"KeyId": key, "PolicyName": "default"}),
                )
                .await;
            let got: Value = serde_json::from_str(got.ok()["Policy"].as_str().unwrap()).unwrap();
            let want: Value = serde_json::from_str(document).unwrap();
            assert_eq!(got, want, "enclave {i}: the policy of {key}");
        }
        for (blob, plaintext) in &ledger.data_keys {
            let decrypted = fleet
                .call(i, "Decrypt", &json!({"CiphertextBlob": blob}))
                .await;
            assert_eq!(&decrypted.ok()["Plaintext"], plaintext, "enclave {i}");
        }
    }
}
