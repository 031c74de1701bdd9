#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The enclave dies under load (SIGKILL, as a crash): every request in flight ends within the
//! request timeout — never a hang — either with a retryable 5xx or, since the proxy is a byte
//! relay that cannot answer HTTP itself, with its connection closed (which SDKs retry too); the
//! proxy restarts the enclave (logged, counted on its admin `/metrics`), and requests succeed
//! again with every acknowledged key intact.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nitro_kms_tests::proxy::{Sim, kms_call, try_kms_call};
use serde_json::json;

/// Six clients call GenerateDataKey in a loop; the enclave is killed under them. Every answer
/// must come within the timeout and every failure be retryable (a 5xx, or the connection closed
/// without an answer). Returns how many failed.
fn crash_under_load(sim: &Arc<Sim>, key: &str) -> usize {
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|_| {
            let sim = sim.clone();
            let stop = stop.clone();
            let key = key.to_owned();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let started = Instant::now();
                    let r = try_kms_call(
                        sim.authority(),
                        "GenerateDataKey",
                        &json!({"KeyId": key, "NumberOfBytes": 32}),
                    );
                    let (status, error) = match r {
                        Ok(r) => (
                            r.status,
                            r.json()["__type"].as_str().unwrap_or("").to_owned(),
                        ),
                        // Closed unanswered: the relay lost the enclave's stream.
                        Err(e) => (0, format!("connection: {e}")),
                    };
                    seen.push((status, error, started.elapsed()));
                }
                seen
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    sim.kill_enclave();
    std::thread::sleep(Duration::from_millis(2500));
    stop.store(true, Ordering::SeqCst);
    let mut failures = 0;
    for worker in workers {
        for (status, error, elapsed) in worker.join().unwrap() {
            assert!(
                elapsed < Duration::from_secs(10),
                "a request hung for {elapsed:?} (timeout is 3 s)"
            );
            if status == 0 {
                failures += 1;
            } else if status != 200 {
                failures += 1;
                assert!(
                    status >= 500,
                    "non-retryable {status} {error} during the crash"
                );
                assert!(
                    error == "KMSInternalException" || error == "DependencyTimeoutException",
                    "{status} {error}"
                );
            }
        }
    }
    failures
}

/// Waits until a Decrypt of `blob` answers 200 again with `plaintext`.
fn wait_until_back(sim: &Sim, blob: &serde_json::Value, plaintext: &serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = try_kms_call(sim.authority(), "Decrypt", &json!({"CiphertextBlob": blob}));
        if let Ok(r) = r
            && r.status == 200
        {
            assert_eq!(&r.json()["Plaintext"], plaintext);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the enclave did not come back: {}",
            sim.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_killed_enclave_fails_requests_retryably_then_comes_back_with_its_keys() {
    let sim = Arc::new(Sim::start(&["--request-timeout-ms", "3000"]));
    let created = kms_call(&sim, "CreateKey", &json!({}));
    let key = created.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = kms_call(
        &sim,
        "GenerateDataKey",
        &json!({"KeyId": key, "KeySpec": "AES_256"}),
    );
    assert_eq!(before.status, 200);

    // A kill between two requests of every client may fail nothing: crash again, up to three
    // times, until some request was in flight.
    let mut crashes = 0;
    let mut failures = 0;
    while failures == 0 && crashes < 3 {
        if crashes > 0 {
            wait_until_back(
                &sim,
                &before.json()["CiphertextBlob"],
                &before.json()["Plaintext"],
            );
        }
        failures += crash_under_load(&sim, &key);
        crashes += 1;
    }
    assert!(
        failures > 0,
        "{crashes} crashes failed no request in flight"
    );

    // Back: the proxy restarted the enclave on the same sealed state.
    wait_until_back(
        &sim,
        &before.json()["CiphertextBlob"],
        &before.json()["Plaintext"],
    );
    assert!(sim.log_text().contains("restarting"), "{}", sim.log_text());
    let metrics = sim.admin_get("/metrics");
    assert!(
        String::from_utf8_lossy(&metrics.body)
            .contains(&format!("nitro_kms_enclave_restarts_total {crashes}")),
        "{}",
        String::from_utf8_lossy(&metrics.body)
    );
}
