#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Fault injection through the proxy: the enclave is SIGKILLed under a load of mixed operations
//! (CreateKey, CreateAlias, TagResource, GenerateDataKey, Encrypt, ScheduleKeyDeletion) from
//! several clients; the proxy restarts it. A request in flight fails retryably (its relayed
//! connection is closed, or a 5xx). Afterwards every acknowledged (HTTP 200) result holds —
//! keys describe, aliases resolve, tags are there, deletions are scheduled, every returned
//! ciphertext decrypts to the returned plaintext — and nothing that was never acknowledged exists
//! half-made: every key listed was acknowledged or was among the CreateKey calls that failed
//! during the crash, and such a key is whole (it describes and it encrypts).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use nitro_kms_tests::proxy::{HttpResponse, Sim, list_key_ids, try_kms_call};
use serde_json::{Value, json};

/// Client threads.
const CLIENTS: usize = 4;
/// Most kills before giving up on catching a mutation in flight.
const MAX_KILLS: usize = 4;

/// Whether a mutation was acknowledged. A failed one may or may not have taken effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ack {
    Yes,
    Unknown,
}

/// One acknowledged key and what was done to it.
#[derive(Debug)]
struct KeyRecord {
    id: String,
    /// The tag `client=N` was set (None: never tried).
    tagged: Option<Ack>,
    /// ScheduleKeyDeletion was called (None: never tried).
    scheduled: Option<Ack>,
}

/// What one client saw.
#[derive(Debug, Default)]
struct Outcome {
    keys: Vec<KeyRecord>,
    /// CreateKey calls without a 200 (their key id is unknown).
    unknown_creates: usize,
    /// alias name -> (target key, ack).
    aliases: BTreeMap<String, (String, Ack)>,
    /// (key, CiphertextBlob, Plaintext) of every acknowledged GenerateDataKey and Encrypt.
    blobs: Vec<(String, Value, Value)>,
}

/// One signed call through the proxy's relay. A connection closed without an answer (the enclave
/// died under it, or was not back yet: the relay cannot answer HTTP itself) is status 0, an
/// outcome as unknown, and as retryable, as a 5xx.
fn call(sim: &Sim, op: &str, body: &Value) -> HttpResponse {
    try_kms_call(sim.authority(), op, body).unwrap_or_else(|_| HttpResponse {
        status: 0,
        headers: Vec::new(),
        body: Vec::new(),
    })
}

/// Asserts a failure is the retryable kind a crash may cause (a closed connection, or a 5xx
/// naming it); counts mutation failures.
fn check_failure(op: &str, r: &HttpResponse, mutation_failures: &AtomicUsize) {
    let kind = r.json()["__type"].as_str().unwrap_or("").to_owned();
    assert!(
        r.status == 0
            || (r.status >= 500
                && (kind == "KMSInternalException" || kind == "DependencyTimeoutException")),
        "{op}: a crash may only cause retryable failures, got {} {kind}: {}",
        r.status,
        r.json()
    );
    if op != "GenerateDataKey" && op != "Encrypt" {
        mutation_failures.fetch_add(1, Ordering::SeqCst);
    }
}

/// One client: create a key, alias it, tag it, make a data key through the alias, encrypt with
/// it, and schedule every third key for deletion; until `stop`.
fn client(sim: &Sim, n: usize, stop: &AtomicBool, mutation_failures: &AtomicUsize) -> Outcome {
    let mut out = Outcome::default();
    let mut round = 0usize;
    while !stop.load(Ordering::SeqCst) {
        round += 1;
        let created = call(
            sim,
            "CreateKey",
            &json!({"Description": format!("client {n} round {round}")}),
        );
        if created.status != 200 {
            check_failure("CreateKey", &created, mutation_failures);
            out.unknown_creates += 1;
            continue;
        }
        let id = created.json()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut key = KeyRecord {
            id: id.clone(),
            tagged: None,
            scheduled: None,
        };
        let alias = format!("alias/fault-{n}-{round}");
        let r = call(
            sim,
            "CreateAlias",
            &json!({"AliasName": alias, "TargetKeyId": id}),
        );
        let alias_ack = if r.status == 200 {
            Ack::Yes
        } else {
            check_failure("CreateAlias", &r, mutation_failures);
            Ack::Unknown
        };
        out.aliases.insert(alias.clone(), (id.clone(), alias_ack));
        let r = call(
            sim,
            "TagResource",
            &json!({"KeyId": id, "Tags": [{"TagKey": "client", "TagValue": n.to_string()}]}),
        );
        key.tagged = Some(if r.status == 200 {
            Ack::Yes
        } else {
            check_failure("TagResource", &r, mutation_failures);
            Ack::Unknown
        });
        if alias_ack == Ack::Yes {
            let r = call(
                sim,
                "GenerateDataKey",
                &json!({"KeyId": alias, "NumberOfBytes": 32}),
            );
            if r.status == 200 {
                out.blobs.push((
                    id.clone(),
                    r.json()["CiphertextBlob"].clone(),
                    r.json()["Plaintext"].clone(),
                ));
            } else {
                check_failure("GenerateDataKey", &r, mutation_failures);
            }
        }
        let plaintext = STANDARD.encode(format!("secret {n} {round}"));
        let r = call(
            sim,
            "Encrypt",
            &json!({"KeyId": id, "Plaintext": plaintext}),
        );
        if r.status == 200 {
            out.blobs.push((
                id.clone(),
                r.json()["CiphertextBlob"].clone(),
                plaintext.into(),
            ));
        } else {
            check_failure("Encrypt", &r, mutation_failures);
        }
        if round.is_multiple_of(3) {
            let r = call(
                sim,
                "ScheduleKeyDeletion",
                &json!({"KeyId": id, "PendingWindowInDays": 7}),
            );
            key.scheduled = Some(if r.status == 200 {
                Ack::Yes
            } else {
                check_failure("ScheduleKeyDeletion", &r, mutation_failures);
                Ack::Unknown
            });
        }
        out.keys.push(key);
    }
    out
}

/// Waits (bounded) until the enclave answers again.
fn wait_until_back(sim: &Sim) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if call(sim, "GenerateRandom", &json!({"NumberOfBytes": 8})).status == 200 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the enclave did not come back: {}",
            sim.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// alias name -> target key id, for every alias listed.
fn list_aliases(sim: &Sim) -> BTreeMap<String, String> {
    let r = call(sim, "ListAliases", &json!({"Limit": 1000}));
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(r.json()["Truncated"], false);
    r.json()["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AliasName"].as_str().unwrap().to_owned(),
                a["TargetKeyId"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn key_state(sim: &Sim, key: &str) -> String {
    let r = call(sim, "DescribeKey", &json!({"KeyId": key}));
    assert_eq!(r.status, 200, "DescribeKey {key}: {}", r.json());
    assert_eq!(r.json()["KeyMetadata"]["KeyId"], key);
    r.json()["KeyMetadata"]["KeyState"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A key is whole: it describes, and (once usable) it encrypts and decrypts.
fn assert_whole(sim: &Sim, key: &str) {
    let state = key_state(sim, key);
    if state == "PendingDeletion" {
        assert_eq!(
            call(sim, "CancelKeyDeletion", &json!({"KeyId": key})).status,
            200
        );
        assert_eq!(call(sim, "EnableKey", &json!({"KeyId": key})).status, 200);
    } else {
        assert_eq!(state, "Enabled", "{key}");
    }
    let enc = call(
        sim,
        "Encrypt",
        &json!({"KeyId": key, "Plaintext": "d2hvbGU="}),
    );
    assert_eq!(enc.status, 200, "{key} does not encrypt: {}", enc.json());
    let dec = call(
        sim,
        "Decrypt",
        &json!({"CiphertextBlob": enc.json()["CiphertextBlob"]}),
    );
    assert_eq!(dec.json()["Plaintext"], "d2hvbGU=", "{}", dec.json());
}

#[test]
fn acknowledged_operations_survive_enclave_kills_under_mixed_load_and_nothing_is_half_made() {
    let started = Instant::now();
    let sim = Arc::new(Sim::start(&["--request-timeout-ms", "3000"]));
    let stop = Arc::new(AtomicBool::new(false));
    let mutation_failures = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (sim, stop, failures) = (sim.clone(), stop.clone(), mutation_failures.clone());
            std::thread::spawn(move || client(&sim, n, &stop, &failures))
        })
        .collect();

    // Kill under load; a kill between two requests fails nothing (the proxy holds requests while
    // it restarts the enclave), so kill again until a mutation was caught in flight.
    let mut kills = 0;
    while kills < MAX_KILLS && mutation_failures.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(700));
        sim.kill_enclave();
        kills += 1;
        wait_until_back(&sim);
    }
    // Some load after the last restart, too.
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let outcomes: Vec<Outcome> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let caught = mutation_failures.load(Ordering::SeqCst);
    assert!(
        caught > 0,
        "{kills} kills caught no mutation in flight: {}",
        sim.log_text()
    );
    assert!(sim.log_text().contains("restarting"), "{}", sim.log_text());

    // Every acknowledged key is there, in the state it was left in, with its acknowledged tag.
    let listed = list_key_ids(&sim);
    let aliases = list_aliases(&sim);
    let mut acked_keys = BTreeSet::new();
    let mut pending_deletion = BTreeSet::new();
    for key in outcomes.iter().flat_map(|o| &o.keys) {
        acked_keys.insert(key.id.clone());
        assert!(
            listed.contains(&key.id),
            "acknowledged key {} is gone",
            key.id
        );
        let state = key_state(&sim, &key.id);
        match key.scheduled {
            Some(Ack::Yes) => assert_eq!(state, "PendingDeletion", "{}", key.id),
            Some(Ack::Unknown) => assert!(
                state == "PendingDeletion" || state == "Enabled",
                "{}: {state}",
                key.id
            ),
            None => assert_eq!(state, "Enabled", "{}", key.id),
        }
        if state == "PendingDeletion" {
            pending_deletion.insert(key.id.clone());
        }
        let tags = call(&sim, "ListResourceTags", &json!({"KeyId": key.id}));
        assert_eq!(tags.status, 200, "{}", tags.json());
        let tags = tags.json()["Tags"].clone();
        let client = outcomes
            .iter()
            .position(|o| o.keys.iter().any(|k| k.id == key.id))
            .unwrap();
        let expected = json!([{"TagKey": "client", "TagValue": client.to_string()}]);
        match key.tagged {
            Some(Ack::Yes) => assert_eq!(tags, expected, "{}", key.id),
            _ => assert!(tags == expected || tags == json!([]), "{}: {tags}", key.id),
        }
    }

    // Aliases: every acknowledged one resolves to its key; every listed one was at least tried,
    // and points where it was meant to.
    let tried: BTreeMap<&String, &(String, Ack)> =
        outcomes.iter().flat_map(|o| &o.aliases).collect();
    for (name, (target, ack)) in &tried {
        match (aliases.get(*name), ack) {
            (Some(found), _) => assert_eq!(found, target, "{name}"),
            (None, Ack::Yes) => panic!("acknowledged alias {name} is gone"),
            (None, Ack::Unknown) => {}
        }
        if *ack == Ack::Yes && !pending_deletion.contains(target) {
            let r = call(&sim, "DescribeKey", &json!({"KeyId": name}));
            assert_eq!(r.json()["KeyMetadata"]["KeyId"], target.as_str(), "{name}");
        }
    }
    for name in aliases.keys().filter(|n| n.starts_with("alias/fault-")) {
        assert!(tried.contains_key(name), "{name} was never asked for");
    }

    // Keys nobody was told about: no more than the CreateKey calls that failed, and each whole.
    let unknown_creates: usize = outcomes.iter().map(|o| o.unknown_creates).sum();
    let strangers: Vec<&String> = listed.difference(&acked_keys).collect();
    assert!(
        strangers.len() <= unknown_creates,
        "{} keys nobody created: {strangers:?} ({unknown_creates} CreateKey failed)",
        strangers.len()
    );
    for key in &strangers {
        assert_whole(&sim, key);
    }

    // Every data key and ciphertext handed out decrypts to what was handed out with it (keys
    // pending deletion are cancelled and enabled first).
    for key in &pending_deletion {
        assert_whole(&sim, key);
    }
    let blobs: Vec<&(String, Value, Value)> = outcomes.iter().flat_map(|o| &o.blobs).collect();
    for (key, blob, plaintext) in &blobs {
        let dec = call(&sim, "Decrypt", &json!({"CiphertextBlob": blob}));
        assert_eq!(dec.status, 200, "blob of {key}: {}", dec.json());
        assert_eq!(&dec.json()["Plaintext"], plaintext, "blob of {key}");
        assert_eq!(dec.json()["KeyId"], nitro_kms_tests::enclave::key_arn(key));
    }
    assert!(!sim.log_text().contains("panicked"), "{}", sim.log_text());
    eprintln!(
        "{kills} kills, {caught} mutations failed in flight, {} keys acknowledged, {} strangers \
         of {unknown_creates} failed creates, {} aliases, {} blobs, {:?}",
        acked_keys.len(),
        strangers.len(),
        tried.len(),
        blobs.len(),
        started.elapsed()
    );
}
