#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A hostile parent against the enclave, which trusts nothing it relays or stores.
//!
//! Frames: garbage bytes, a frame header announcing 4 GiB, and a valid Hello followed by random
//! or out-of-place frames, each on its own connection to the enclave's frame socket: the enclave
//! closes that connection (without allocating what the header announced) and keeps serving a good
//! parent connection opened beside it.
//!
//! Rollback: the parent keeps the sealed state, so it can hand back an older copy. With no trusted
//! monotonic counter (see `enclave/src/seal.rs`, "Rollback"), an enclave that starts afresh cannot
//! tell a complete, consistent old snapshot and journal from the current ones: it loads them, and
//! whatever was created after that copy is gone. What it does detect: anything that does not
//! authenticate, and a mix of generations — an old snapshot with a newer journal is refused
//! (the journal's records name a generation the snapshot does not have); a newer snapshot with a
//! journal left over from an older generation skips that journal (its records are already folded
//! into the snapshot).

use std::path::Path;
use std::time::Duration;

use nitro_kms_parent_link::state_store::{JOURNAL_FILE, SNAPSHOT_FILE};
use nitro_kms_tests::enclave::{Dirs, Enclave};
use nitro_kms_tests::proxy::rss_kib;
use nitro_kms_wire::{Hello, Limits, Message, Response, Status, encode, handshake};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Reproducible junk (xorshift64*).
fn junk(seed: &mut u64, n: usize) -> Vec<u8> {
    (0..n)
        .map(|_| {
            *seed ^= *seed >> 12;
            *seed ^= *seed << 25;
            *seed ^= *seed >> 27;
            (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// Reads until the enclave closes the connection; fails if it is still open after 10 s.
async fn closed_by_enclave(mut stream: UnixStream, what: &str) {
    let mut sink = vec![0u8; 64 << 10];
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "{what}: the enclave kept the connection open"
    );
}

/// Writes bytes that follow something the enclave refuses on sight (a 4 GiB frame header): the
/// enclave may have closed the connection before they are written, so a broken pipe or a reset is
/// the refusal arriving early, not a failure; `closed_by_enclave` then checks the close itself.
async fn write_after_refusal(stream: &mut UnixStream, bytes: &[u8]) {
    match stream.write_all(bytes).await {
        Ok(()) => {}
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ) => {}
        Err(e) => panic!("writing to the enclave failed: {e}"),
    }
}

async fn connect(enclave: &Enclave) -> UnixStream {
    tokio::time::timeout(
        Duration::from_secs(10),
        UnixStream::connect(&enclave.socket),
    )
    .await
    .expect("connect timed out")
    .unwrap()
}

/// Connects and does the Hello exchange as a parent would.
async fn hello(enclave: &Enclave) -> UnixStream {
    let mut s = connect(enclave).await;
    tokio::time::timeout(
        Duration::from_secs(10),
        handshake(&mut s, &Hello::new(&Limits::default())),
    )
    .await
    .expect("Hello timed out")
    .unwrap();
    s
}

/// The good parent connection still works: a key is created, used, and listed.
async fn assert_good_parent_served(enclave: &Enclave, keys_before: usize) -> usize {
    let key = enclave.create_key().await;
    let gdk = enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": key, "NumberOfBytes": 32}),
        )
        .await;
    let dec = enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": gdk.ok()["CiphertextBlob"]}),
        )
        .await;
    assert_eq!(dec.ok()["Plaintext"], gdk.ok()["Plaintext"]);
    let listed = enclave.call("ListKeys", &json!({"Limit": 1000})).await;
    let n = listed.ok()["Keys"].as_array().unwrap().len();
    assert_eq!(n, keys_before + 1);
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_frames_close_their_own_connection_and_the_good_parent_is_still_served() {
    let d = Dirs::new();
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    let mut keys = assert_good_parent_served(&enclave, 0).await;
    // The debug binary alone is close to 200 MiB of resident pages now (issue 18 doubled the
    // operations), so the bound is on growth: a 4 GiB announcement honoured would be far past it.
    let rss_start = rss_kib(enclave.pid().unwrap());
    let mut seed = 0x1234_5678_9abc_def1u64;

    // Garbage before any Hello.
    let mut s = connect(&enclave).await;
    s.write_all(&junk(&mut seed, 4096)).await.unwrap();
    closed_by_enclave(s, "garbage bytes").await;
    keys = assert_good_parent_served(&enclave, keys).await;

    // A frame header announcing 4 GiB - 1 as the first frame: refused from its 4 bytes.
    let mut s = connect(&enclave).await;
    s.write_all(&[0xff, 0xff, 0xff, 0xff]).await.unwrap();
    write_after_refusal(&mut s, &junk(&mut seed, 1024)).await;
    closed_by_enclave(s, "a 4 GiB frame header before the Hello").await;
    keys = assert_good_parent_served(&enclave, keys).await;

    // The same after a valid Hello.
    let mut s = hello(&enclave).await;
    s.write_all(&[0xff, 0xff, 0xff, 0xff]).await.unwrap();
    closed_by_enclave(s, "a 4 GiB frame header after the Hello").await;
    keys = assert_good_parent_served(&enclave, keys).await;

    // A valid Hello, then frames of random bytes (well-formed lengths, junk bodies).
    let mut s = hello(&enclave).await;
    let mut frames = Vec::new();
    for _ in 0..50 {
        let len = 1 + (junk(&mut seed, 1)[0] as usize) * 4;
        frames.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
        frames.extend(junk(&mut seed, len));
    }
    let _ = s.write_all(&frames).await;
    closed_by_enclave(s, "random frames after the Hello").await;
    keys = assert_good_parent_served(&enclave, keys).await;

    // A valid Hello, then a well-formed frame the parent must never send (a Response), and a
    // zero-length frame.
    for (what, frame) in [
        ("a Response from the parent", {
            let mut out = Vec::new();
            encode(
                &Message::Response(Response {
                    id: 1,
                    status: Status::OK,
                    payload: b"{}".to_vec(),
                }),
                &mut out,
            )
            .unwrap();
            out
        }),
        ("an empty frame", vec![0, 0, 0, 0]),
        ("a second Hello", {
            let mut out = Vec::new();
            encode(&Message::Hello(Hello::new(&Limits::default())), &mut out).unwrap();
            out
        }),
    ] {
        let mut s = hello(&enclave).await;
        s.write_all(&frame).await.unwrap();
        closed_by_enclave(s, what).await;
        keys = assert_good_parent_served(&enclave, keys).await;
    }

    // Nothing announced was allocated, nothing crashed.
    let rss = rss_kib(enclave.pid().unwrap());
    assert!(
        rss < rss_start + 64 * 1024,
        "the enclave grew from {rss_start} KiB to {rss} KiB"
    );
    let log = enclave.log_text();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("closed:"), "{log}");
    assert_eq!(enclave.terminate().await, Some(0));
}

fn save(parent: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(parent.join(SNAPSHOT_FILE)).unwrap(),
        std::fs::read(parent.join(JOURNAL_FILE)).unwrap(),
    )
}

fn restore(parent: &Path, snapshot: &[u8], journal: &[u8]) {
    std::fs::write(parent.join(SNAPSHOT_FILE), snapshot).unwrap();
    std::fs::write(parent.join(JOURNAL_FILE), journal).unwrap();
}

async fn key_ids(enclave: &Enclave) -> Vec<String> {
    let mut ids: Vec<String> = enclave.call("ListKeys", &json!({"Limit": 1000})).await.ok()["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["KeyId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The state the tests below roll back over: `k1`, `k2` (and a blob under `k1`) in the old copy,
/// `k3` (and a blob under it) created after it.
struct History {
    d: Dirs,
    k1: String,
    k2: String,
    k3: String,
    blob1: Value,
    blob3: Value,
    /// Snapshot and journal after k1, k2 (the snapshot of generation 1, their records in the
    /// journal of generation 1).
    old: (Vec<u8>, Vec<u8>),
    /// After a restart (snapshot of generation 2 holding k1, k2) and k3 (journal of generation 2).
    new: (Vec<u8>, Vec<u8>),
}

async fn history() -> History {
    let d = Dirs::new();
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    let k1 = enclave.create_key().await;
    let k2 = enclave.create_key().await;
    let blob1 = enclave
        .call("Encrypt", &json!({"KeyId": k1, "Plaintext": "b2xk"}))
        .await
        .ok()["CiphertextBlob"]
        .clone();
    enclave.kill().await;
    let old = save(&d.parent);
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    let k3 = enclave.create_key().await;
    let blob3 = enclave
        .call("Encrypt", &json!({"KeyId": k3, "Plaintext": "bmV3"}))
        .await
        .ok()["CiphertextBlob"]
        .clone();
    enclave.kill().await;
    let new = save(&d.parent);
    assert!(
        !old.1.is_empty() && !new.1.is_empty(),
        "both journals hold records"
    );
    History {
        d,
        k1,
        k2,
        k3,
        blob1,
        blob3,
        old,
        new,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consistent_old_snapshot_and_journal_load_and_later_keys_are_gone_the_rollback_limit() {
    let h = history().await;
    restore(&h.d.parent, &h.old.0, &h.old.1);
    // Undetectable after a restart (documented limit): the old state authenticates and loads...
    let enclave = Enclave::start(&h.d.world, &h.d.parent, &[]).await;
    assert!(
        enclave.log_text().contains("keystore loaded (2 keys"),
        "{}",
        enclave.log_text()
    );
    assert_eq!(
        key_ids(&enclave).await,
        sorted(vec![h.k1.clone(), h.k2.clone()])
    );
    // ...what came after it is gone: k3 and everything encrypted under it...
    enclave
        .call("DescribeKey", &json!({"KeyId": h.k3}))
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!(
                "Key '{}' does not exist",
                nitro_kms_tests::enclave::key_arn(&h.k3)
            ),
        );
    let lost = enclave
        .call("Decrypt", &json!({"CiphertextBlob": h.blob3}))
        .await;
    assert_ne!(lost.status, 200, "{}", lost.body);
    // ...and nothing else is damaged: the old keys work, their old blobs decrypt, and new writes
    // persist and survive another restart.
    let dec = enclave
        .call("Decrypt", &json!({"CiphertextBlob": h.blob1}))
        .await;
    assert_eq!(dec.ok()["Plaintext"], "b2xk");
    let k4 = enclave.create_key().await;
    enclave.kill().await;
    let enclave = Enclave::start(&h.d.world, &h.d.parent, &[]).await;
    assert_eq!(
        key_ids(&enclave).await,
        sorted(vec![h.k1.clone(), h.k2.clone(), k4])
    );
    assert_eq!(enclave.terminate().await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_snapshot_with_a_newer_journal_is_refused_and_left_untouched() {
    let h = history().await;
    restore(&h.d.parent, &h.old.0, &h.new.1);
    let why = match Enclave::try_start(&h.d.world, &h.d.parent, &[]).await {
        Ok(_) => panic!("the enclave loaded a snapshot with a journal of another generation"),
        Err(why) => why,
    };
    assert!(why.contains("refusing to serve"), "{why}");
    assert!(
        why.contains(
            "journal record at offset 0 is out of order or from another store: generation"
        ),
        "{why}"
    );
    // Refused, not repaired or overwritten.
    assert_eq!(save(&h.d.parent), (h.old.0.clone(), h.new.1.clone()));
    // Putting the matching snapshot back makes it whole again.
    restore(&h.d.parent, &h.new.0, &h.new.1);
    let enclave = Enclave::start(&h.d.world, &h.d.parent, &[]).await;
    assert_eq!(
        key_ids(&enclave).await,
        sorted(vec![h.k1.clone(), h.k2.clone(), h.k3.clone()])
    );
    assert_eq!(enclave.terminate().await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_snapshot_with_an_older_generations_journal_skips_that_journal() {
    let h = history().await;
    restore(&h.d.parent, &h.new.0, &h.old.1);
    let enclave = Enclave::start(&h.d.world, &h.d.parent, &[]).await;
    let log = enclave.log_text();
    assert!(log.contains("stale journal skipped"), "{log}");
    assert!(log.contains("0 journal records replayed"), "{log}");
    // The snapshot holds k1 and k2 (the old journal's records are folded into it); k3 lived only
    // in the newer journal, which the parent withheld.
    assert_eq!(
        key_ids(&enclave).await,
        sorted(vec![h.k1.clone(), h.k2.clone()])
    );
    let dec = enclave
        .call("Decrypt", &json!({"CiphertextBlob": h.blob1}))
        .await;
    assert_eq!(dec.ok()["Plaintext"], "b2xk");
    assert_eq!(enclave.terminate().await, Some(0));
}

/// What a running enclave does detect: the parent swaps its files back to an older copy while the
/// enclave runs. The enclave's next append names the journal length it expects, the parent's
/// (older, shorter) journal does not match, and the append is refused; the enclave then commits
/// that mutation in a whole snapshot of what it holds instead (issue 15, item 5: before, the
/// mutation failed with a retryable 500 and only the next one wrote the snapshot), so the
/// rolled-back copy is overwritten and, after a restart, every acknowledged key — including those
/// the rollback had dropped — is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_rolled_back_under_a_running_enclave_are_detected_and_overwritten_by_a_snapshot() {
    let d = Dirs::new();
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    let k1 = enclave.create_key().await;
    let old = save(&d.parent);
    let k2 = enclave.create_key().await;
    let k3 = enclave.create_key().await;
    restore(&d.parent, &old.0, &old.1);

    // The first mutation after the swap meets the parent's shorter journal: refused as an append,
    // committed in a snapshot of everything the enclave holds.
    let k4 = enclave.create_key().await;
    assert!(
        enclave
            .log_text()
            .contains("committing in a fresh snapshot"),
        "{}",
        enclave.log_text()
    );
    assert_eq!(
        key_ids(&enclave).await,
        sorted(vec![k1.clone(), k2.clone(), k3.clone(), k4.clone()])
    );
    let k5 = enclave.create_key().await;
    enclave.kill().await;

    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    assert_eq!(key_ids(&enclave).await, sorted(vec![k1, k2, k3, k4, k5]));
    assert_eq!(enclave.terminate().await, Some(0));
}
