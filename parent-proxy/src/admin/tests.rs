use std::sync::Arc;
use std::sync::atomic::Ordering;

use http_body_util::BodyExt;
use hyper::{Method, StatusCode};

use super::Admin;
use crate::metrics::Metrics;
use crate::router::tests::unreachable_router;

async fn body(response: hyper::Response<http_body_util::Full<hyper::body::Bytes>>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn healthz_is_503_while_the_leader_link_is_down_and_metrics_show_the_relay() {
    let (router, _stop, _dir) = unreachable_router(2);
    let metrics = Arc::new(Metrics::default());
    metrics.relay.accepted.fetch_add(3, Ordering::Relaxed);
    metrics
        .relay
        .bytes_client_to_enclave
        .fetch_add(42, Ordering::Relaxed);
    router.count_relayed(0);
    let admin = Admin {
        enclaves: router,
        metrics,
        pool_size: 2,
    };
    let health = admin.answer(&Method::GET, "/healthz");
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = body(admin.answer(&Method::GET, "/metrics")).await;
    for line in [
        "nitro_kms_relay_connections_accepted_total 3",
        "nitro_kms_relay_bytes_total{direction=\"client_to_enclave\"} 42",
        "nitro_kms_enclave_relayed_connections_total{enclave=\"0\"} 1",
        "nitro_kms_enclave_link_connections{enclave=\"1\"} 0",
        "nitro_kms_enclave_caught_up{enclave=\"0\"} 0",
        "nitro_kms_replicas 1",
        "nitro_kms_enclave_pool_size 2",
    ] {
        assert!(page.lines().any(|l| l == line), "no {line:?} in\n{page}");
    }
    assert!(!page.contains("nitro_kms_requests_total"), "{page}");
    assert_eq!(
        admin.answer(&Method::POST, "/").status(),
        StatusCode::NOT_FOUND
    );
}
