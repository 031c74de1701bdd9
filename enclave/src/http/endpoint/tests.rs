//! The endpoint over a real HTTP/1.1 connection (an in-memory pipe), before the service is
//! ready: what is refused, and when.

use std::time::Duration;

use nitro_kms_api::sigv4::{AccessKeyStore, SignedRequest, SigningKey, sign_request};
use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::watch;

use super::*;
use crate::http::listener::serve_http;

/// An endpoint with the simulation key whose service never becomes ready, served over a pipe;
/// returns the client's end.
fn connect(max_body: usize) -> (DuplexStream, watch::Sender<bool>) {
    let (_service_tx, service) = watch::channel(None);
    // The sender is dropped: the slot stays `None` (not ready), and requests wait their deadline.
    let endpoint = Arc::new(HttpEndpoint {
        service,
        access_keys: Arc::new(AccessKeys::new(AccessKeyStore::simulation())),
        region: "us-east-1".to_owned(),
        regions: crate::region_allowlist::RegionAllowlist::one("us-east-1"),
        limits: HttpLimits {
            max_body,
            request_timeout: Duration::from_millis(100),
            ..HttpLimits::default()
        },
        metrics: HttpMetrics::default(),
        identity: IdentitySlot::new(),
        forward: crate::replica_forward::ReplicaForward::new(
            Arc::new(crate::storage::ParentLink::new(Duration::from_secs(1))),
            watch::channel(None).1,
            Duration::from_secs(1),
        ),
    });
    let (client, server) = tokio::io::duplex(1 << 16);
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(serve_http(server, endpoint, stop));
    (client, stop_tx)
}

/// Reads one whole response (head, then the `content-length` bytes of body) as text.
async fn read_answer(client: &mut DuplexStream) -> String {
    let mut received = Vec::new();
    let mut buffer = vec![0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), client.read(&mut buffer))
            .await
            .expect("no answer in time")
            .unwrap();
        assert!(n > 0, "connection closed mid-answer: {text}");
        received.extend_from_slice(&buffer[..n]);
    }
}

#[tokio::test]
async fn an_unknown_access_key_is_refused_before_any_body_byte_is_sent() {
    let (mut client, _stop) = connect(1 << 20);
    let head = "POST / HTTP/1.1\r\nhost: localhost\r\nx-amz-target: TrentService.ListKeys\r\n\
                x-amz-date: 20231114T221320Z\r\ncontent-type: application/x-amz-json-1.1\r\n\
                authorization: AWS4-HMAC-SHA256 Credential=AKIDNOBODYHOLDS/20231114/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00\r\n\
                content-length: 1000000\r\n\r\n";
    client.write_all(head.as_bytes()).await.unwrap();
    // Not a byte of the announced megabyte is sent: the answer comes from the headers alone.
    let answer = read_answer(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("UnrecognizedClientException"), "{answer}");
    assert!(answer.contains("x-amzn-requestid: "), "{answer}");
}

#[tokio::test]
async fn unsigned_requests_and_forged_caller_headers_get_aws_errors() {
    let (mut client, _stop) = connect(1 << 20);
    let head = "POST / HTTP/1.1\r\nhost: localhost\r\nx-amz-target: TrentService.ListKeys\r\n\
                x-nitro-kms-principal: arn:aws:iam::111122223333:role/KmsKeyAdmin\r\n\
                content-length: 2\r\n\r\n{}";
    client.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("MissingAuthenticationTokenException"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_for_a_known_key() {
    let (mut client, _stop) = connect(64);
    let body = vec![b' '; 65];
    let now = crate::http::authenticate::unix_now();
    let headers = vec![
        ("host".to_owned(), "localhost".to_owned()),
        (
            "x-amz-target".to_owned(),
            "TrentService.ListKeys".to_owned(),
        ),
    ];
    let key = SigningKey {
        access_key_id: SIMULATION_ACCESS_KEY_ID,
        secret_access_key: SIMULATION_SECRET_ACCESS_KEY,
        session_token: None,
    };
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: headers.clone(),
        body: &body,
    };
    let mut head = String::from("POST / HTTP/1.1\r\n");
    for (n, v) in headers.into_iter().chain(
        sign_request(&request, &key, "us-east-1", now)
            .unwrap()
            .into_pairs(),
    ) {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("content-length: 65\r\n\r\n");
    client.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut client).await;
    assert!(answer.contains("SerializationException"), "{answer}");
    assert!(answer.contains("64-byte limit"), "{answer}");
}

#[tokio::test]
async fn healthz_is_503_until_ready_and_metrics_need_no_signature() {
    let (mut client, _stop) = connect(1 << 20);
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_answer(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    client
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_answer(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("nitro_kms_ready 0"), "{answer}");
}
