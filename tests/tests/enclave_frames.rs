#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Where the enclave's requests and frames are bounded, now that KMS requests arrive only at its
//! HTTP endpoint (signed, verified in the enclave) and the control link carries frames only:
//! concurrent requests answered as they finish (a quick one is not held behind a slow one), the
//! endpoint's connection cap (connections beyond `--http-max-connections` closed at once, not
//! queued), the per-request deadline, unknown operations and bad bodies, the control link's
//! liveness frames, and a clean SIGTERM.
//!
//! (The frame-level in-flight bound of `Request` frames is gone with the frames themselves: the
//! control link refuses them, see `enclave_refuses_parent_caller.rs`. On HTTP/1.1 a connection
//! has one request in flight, so the connection cap is what bounds the work clients can start.)

use std::time::{Duration, Instant};

use nitro_kms_tests::enclave::{ALICE, Enclave};
use nitro_kms_wire::{FramedReader, FramedWriter, Hello, Limits, Message, handshake};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

fn slow_pair(key: &str) -> serde_json::Value {
    // RSA-4096 key generation takes hundreds of milliseconds in a debug build.
    json!({"KeyId": key, "KeyPairSpec": "RSA_4096"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_request_is_not_held_behind_a_slow_one() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let key = enclave.create_key().await;
    let started = Instant::now();
    let slow = async {
        let r = enclave
            .call("GenerateDataKeyPairWithoutPlaintext", &slow_pair(&key))
            .await;
        (r, started.elapsed())
    };
    let fast = async {
        // Sent after the slow one is on the wire (on its own kept-alive connection).
        tokio::time::sleep(Duration::from_millis(20)).await;
        let r = enclave
            .call("GenerateRandom", &json!({"NumberOfBytes": 8}))
            .await;
        (r, started.elapsed())
    };
    let ((slow_reply, slow_done), (fast_reply, fast_done)) = tokio::join!(slow, fast);
    slow_reply.ok();
    fast_reply.ok();
    assert!(
        fast_done < slow_done,
        "the later, quicker request should not wait behind the slow one"
    );
}

/// One `GET /healthz` on `stream`: the status, or `None` when the enclave closed the connection
/// without answering.
async fn healthz(stream: &mut UnixStream) -> Option<u16> {
    let request = b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return None;
    }
    let mut buf = vec![0u8; 1024];
    let mut read = 0;
    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf[read..]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => read += n,
            }
        }
    })
    .await;
    assert!(answered.is_ok(), "the enclave neither answered nor closed");
    let head = String::from_utf8_lossy(&buf[..read]);
    head.split_whitespace().nth(1).and_then(|s| s.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_http_cap_are_closed_not_queued() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(
        &dir.path().join("w"),
        &dir.path().join("p"),
        &["--http-max-connections", "1"],
    )
    .await;
    // The harness's own kept-alive connection holds the one place: let it go, then take it with
    // a connection of ours (the enclave frees the place when it sees the close).
    enclave.close_idle_connections();
    let mut holder = None;
    for _ in 0..500 {
        let mut s = UnixStream::connect(&enclave.http_socket).await.unwrap();
        if healthz(&mut s).await == Some(200) {
            holder = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut holder = holder.expect("no connection was served");
    // A second connection is closed at once, unanswered; the first is still served.
    let mut second = UnixStream::connect(&enclave.http_socket).await.unwrap();
    assert_eq!(healthz(&mut second).await, None);
    assert_eq!(healthz(&mut holder).await, Some(200));
    // Once the first goes, signed calls get through again.
    drop(holder);
    let mut reply = enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 8}))
        .await;
    for _ in 0..500 {
        if reply.status != 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        reply = enclave
            .call("GenerateRandom", &json!({"NumberOfBytes": 8}))
            .await;
    }
    reply.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_link_answers_pings_beside_the_harness_parent() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let mut stream = UnixStream::connect(&enclave.socket).await.unwrap();
    let limits = handshake(&mut stream, &Hello::new(&Limits::default()))
        .await
        .unwrap();
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = FramedReader::new(read_half, &limits);
    let mut writer = FramedWriter::new(write_half, &limits);
    writer
        .write_message(&Message::Ping { nonce: 0x5eed })
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), reader.read_message())
        .await
        .expect("no Pong within 10 s")
        .unwrap();
    assert!(
        matches!(answer, Some(Message::Pong { nonce: 0x5eed })),
        "{answer:?}"
    );
    // (No mutation while this connection is attached: the enclave may send it a Persist.)
    drop((reader, writer));
    enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 8}))
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_is_a_dependency_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(
        &dir.path().join("w"),
        &dir.path().join("p"),
        &["--request-timeout-ms", "30"],
    )
    .await;
    let key = enclave.create_key().await;
    enclave
        .call("GenerateDataKeyPair", &slow_pair(&key))
        .await
        .assert_error(
            500,
            "DependencyTimeoutException",
            "The system timed out while trying to fulfill the request. The request can be retried.",
        );
    // The connection is still good.
    enclave
        .call("GenerateRandom", &json!({"NumberOfBytes": 1}))
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_operations_and_bad_bodies_get_aws_protocol_errors() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let reply = enclave.call("NoSuchOperation", &json!({})).await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "UnknownOperationException")
    );
    let reply = enclave
        .call_raw(ALICE, "GenerateRandom", b"{not json".to_vec())
        .await;
    assert_eq!(
        (reply.status, reply.error_type()),
        (400, "SerializationException")
    );
    assert_eq!(enclave.terminate().await, Some(0));
}
