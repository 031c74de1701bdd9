#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Fault injection on the parent: the proxy — which writes the enclave's sealed state to disk — is
//! SIGKILLed while many CreateKey calls are being persisted (its simulated enclave is killed with
//! it, as a host crash would). A new proxy on the same `--state-dir` loads the state without
//! refusing it, every key acknowledged before the crash is there and works, and the keys nobody
//! was told about are no more than the calls cut off, each one whole.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nitro_kms_tests::proxy::{Sim, kms_call, list_key_ids, try_kms_call};
use serde_json::json;

/// Client threads creating keys.
const CLIENTS: usize = 6;

/// What the clients saw: acknowledged key ids, and how many CreateKey calls got no answer.
fn create_keys_until_cut_off(authority: &str, stop: &AtomicBool) -> (Vec<String>, usize) {
    let mut acked = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match try_kms_call(authority, "CreateKey", &json!({})) {
            Ok(r) if r.status == 200 => {
                acked.push(
                    r.json()["KeyMetadata"]["KeyId"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
            Ok(r) => panic!(
                "CreateKey failed before the crash: {} {}",
                r.status,
                r.json()
            ),
            // The proxy died under this call (or before it): its outcome is unknown.
            Err(_) => return (acked, 1),
        }
    }
    (acked, 0)
}

fn assert_whole(sim: &Sim, key: &str) {
    let described = kms_call(sim, "DescribeKey", &json!({"KeyId": key}));
    assert_eq!(described.status, 200, "{key}: {}", described.json());
    assert_eq!(described.json()["KeyMetadata"]["KeyState"], "Enabled");
    let enc = kms_call(sim, "Encrypt", &json!({"KeyId": key, "Plaintext": "AAEC"}));
    assert_eq!(enc.status, 200, "{key} does not encrypt: {}", enc.json());
    let dec = kms_call(
        sim,
        "Decrypt",
        &json!({"CiphertextBlob": enc.json()["CiphertextBlob"]}),
    );
    assert_eq!(dec.json()["Plaintext"], "AAEC");
}

#[test]
fn a_proxy_killed_while_persisting_restarts_on_its_state_with_every_acknowledged_key() {
    let started = Instant::now();
    let mut sim = Sim::start(&[]);
    let mut acked = BTreeSet::new();
    let mut cut_off_total = 0;
    // Three crashes at different moments after the service first answers: early under load and
    // later, in the middle of appends. (The delay counts from the first answer, not from the
    // start: a first start also makes the service's TLS identity, an RSA-3072 key, which on a
    // loaded machine can take longer than the shortest delay.)
    for (cycle, delay_ms) in [250u64, 600, 900].into_iter().enumerate() {
        let _ready = list_key_ids(&sim);
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let authority = sim.authority().to_owned();
                let stop = stop.clone();
                std::thread::spawn(move || create_keys_until_cut_off(&authority, &stop))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let dir = sim.crash();
        stop.store(true, Ordering::SeqCst);
        let mut acked_now = 0;
        let mut cut_off = 0;
        for c in clients {
            let (keys, lost) = c.join().unwrap();
            acked_now += keys.len();
            acked.extend(keys);
            cut_off += lost;
        }
        assert!(
            acked_now > 0,
            "cycle {cycle}: no key was created before the crash"
        );

        sim = Sim::start_in(dir, &[]);
        let listed = list_key_ids(&sim);
        let missing: Vec<&String> = acked.difference(&listed).collect();
        assert!(
            missing.is_empty(),
            "cycle {cycle}: acknowledged keys lost: {missing:?}\n{}",
            sim.log_text()
        );
        let strangers: Vec<String> = listed.difference(&acked).cloned().collect();
        assert!(
            strangers.len() <= cut_off,
            "cycle {cycle}: {} unacknowledged keys, only {cut_off} calls were cut off",
            strangers.len()
        );
        cut_off_total += cut_off;
        for key in strangers {
            assert_whole(&sim, &key);
            // It exists now: count it as known for the next cycle.
            acked.insert(key);
        }
        let log = sim.log_text();
        assert!(!log.contains("refusing"), "{log}");
        assert!(!log.contains("panicked"), "{log}");
        eprintln!(
            "cycle {cycle}: {acked_now} acknowledged, {} in total, torn tail dropped: {}",
            acked.len(),
            log.contains("torn tail")
        );
    }
    for key in &acked {
        assert_whole(&sim, key);
    }
    eprintln!(
        "{} keys, {cut_off_total} calls cut off, {:?}",
        acked.len(),
        started.elapsed()
    );
}
