#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The frame server: multiplexed requests answered out of order, the per-connection in-flight
//! bound, the per-request deadline, unknown operations and a clean SIGTERM.

use std::time::Instant;

use nitro_kms_tests::enclave::{ALICE, Enclave};
use serde_json::json;

fn slow_pair(key: &str) -> serde_json::Value {
    // RSA-4096 key generation takes hundreds of milliseconds in a debug build.
    json!({"KeyId": key, "KeyPairSpec": "RSA_4096"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_on_one_connection_are_answered_out_of_order() {
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
        // Sent after the slow one is on the wire.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_max_in_flight_are_throttled_not_queued() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(
        &dir.path().join("w"),
        &dir.path().join("p"),
        &["--max-in-flight", "1"],
    )
    .await;
    let key = enclave.create_key().await;
    let body = slow_pair(&key);
    let first = enclave.call("GenerateDataKeyPairWithoutPlaintext", &body);
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        enclave
            .call("GenerateRandom", &json!({"NumberOfBytes": 8}))
            .await
    };
    let (first, second) = tokio::join!(first, second);
    first.ok();
    second.assert_error(
        400,
        "ThrottlingException",
        "Too many requests in flight on this connection",
    );
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
    let reply = enclave.call("Sign", &json!({})).await;
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
