//! The order of the checks and the body bound.

use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Frame};
use nitro_kms_api::KmsErrorType;
use nitro_kms_api::sigv4::{AccessKey, SignedRequest, SigningKey, sign_request};

use super::*;

const NOW: i64 = 1_700_000_000;

fn store() -> AccessKeyStore {
    let mut store = AccessKeyStore::default();
    store.insert(
        "AKIDKNOWN",
        AccessKey::new("secret", None, "arn:aws:iam::111122223333:user/alice"),
    );
    store
}

fn signed(
    access_key_id: &str,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> Vec<(String, String)> {
    let key = SigningKey {
        access_key_id,
        secret_access_key: "secret",
        session_token: None,
    };
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: headers.clone(),
        body,
    };
    let mut all = headers;
    all.extend(
        sign_request(&request, &key, "us-east-1", NOW)
            .unwrap()
            .into_pairs(),
    );
    all
}

fn base() -> Vec<(String, String)> {
    vec![
        ("host".to_owned(), "localhost".to_owned()),
        (
            "x-amz-target".to_owned(),
            "TrentService.ListKeys".to_owned(),
        ),
    ]
}

#[test]
fn an_unknown_access_key_is_refused_from_the_headers_alone() {
    // No body is given at all: the headers decide.
    let store = store();
    let headers = signed("AKIDUNKNOWN", base(), b"{}");
    let err = check_headers(&headers, &store, "us-east-1", NOW).unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::UnrecognizedClient);
    let headers = signed("AKIDKNOWN", base(), b"{}");
    assert!(check_headers(&headers, &store, "us-east-1", NOW).is_ok());
}

#[test]
fn host_date_and_target_must_all_be_signed() {
    let store = store();
    for (unsigned, shown) in [
        ("x-amz-target", "X-Amz-Target"),
        ("host", "'Host' or ':authority'"),
    ] {
        let mut headers = base();
        let value = headers
            .iter()
            .find(|(n, _)| n == unsigned)
            .unwrap()
            .1
            .clone();
        headers.retain(|(n, _)| n != unsigned);
        let mut headers = signed("AKIDKNOWN", headers, b"{}");
        headers.push((unsigned.to_owned(), value));
        let err = check_headers(&headers, &store, "us-east-1", NOW).unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::InvalidSignature, "{unsigned}");
        assert!(err.message().contains(shown), "{unsigned}: {err}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_one_within_it_is_read_whole() {
    let body = Full::new(Bytes::from(vec![b'x'; 100]));
    let err = read_body(body, 99, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Serialization);
    assert!(err.message().contains("99-byte limit"), "{err}");
    let body = Full::new(Bytes::from(vec![b'x'; 100]));
    assert_eq!(
        read_body(body, 100, Duration::from_secs(5))
            .await
            .unwrap()
            .len(),
        100
    );

    // Chunked, with no declared length: refused as soon as the chunks pass the limit.
    let chunks = (0..50)
        .map(|_| Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from_static(b"0123456789"))));
    let body = channel_body(chunks.collect());
    let err = read_body(body, 99, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(err.message().contains("99-byte limit"), "{err}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_refused() {
    let (_keep, body) = pending_body();
    let err = read_body(body, 1000, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Serialization);
    assert_eq!(err.message(), "Request body was not received in time");
}

type Chunk = Result<Frame<Bytes>, std::convert::Infallible>;

/// A chunked body of `chunks` (a channel already filled and closed).
fn channel_body(chunks: Vec<Chunk>) -> ChannelStream {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for chunk in chunks {
        tx.send(chunk).unwrap();
    }
    ChannelStream(rx)
}

/// A body whose sender is kept open and never sends.
fn pending_body() -> (tokio::sync::mpsc::UnboundedSender<Chunk>, ChannelStream) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (tx, ChannelStream(rx))
}

/// A body read from a channel.
struct ChannelStream(tokio::sync::mpsc::UnboundedReceiver<Chunk>);

impl hyper::body::Body for ChannelStream {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx)
    }
}
