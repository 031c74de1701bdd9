//! The well-known routes: 503 before the identity exists, then the public parts and documents;
//! a nonce that is missing, not hex or too long is a 400 that says so.

use std::sync::Arc;

use http_body_util::BodyExt;
use nitro_kms_attest::attestation::parse_unverified;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};

use super::*;
use crate::tls::identity::new_identity;
use crate::tls::{ServiceTls, TlsSettings};

fn filled_slot(dir: &std::path::Path) -> (IdentitySlot, Arc<ServiceTls>) {
    let nsm = Arc::new(SimulatedNsm::open(SimulatedNsmConfig::new(dir)).unwrap());
    let now = crate::clock::system()();
    let stored = new_identity(now).unwrap();
    let tls = Arc::new(ServiceTls::new(&stored, nsm, TlsSettings::simulation(), now).unwrap());
    let slot = IdentitySlot::new();
    slot.set(tls.clone()).unwrap();
    (slot, tls)
}

/// Status, content type and body of `answer`.
async fn parts(answer: Answer) -> (u16, String, Vec<u8>) {
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = answer
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, content_type, body)
}

#[tokio::test]
async fn every_route_is_503_before_the_identity_exists() {
    let empty = IdentitySlot::new();
    for path in [ATTESTATION_PATH, CA_PEM_PATH, PROVISIONING_KEY_PATH] {
        assert!(is_well_known(path));
        let (status, _, body) = parts(answer(&empty, path, Some("nonce=00")).await).await;
        assert_eq!(status, 503, "{path}");
        assert!(String::from_utf8_lossy(&body).contains("not ready"));
    }
    assert!(!is_well_known("/.well-known/nitro-kms/other"));
}

#[tokio::test]
async fn bad_missing_empty_repeated_or_too_long_nonces_are_400_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (slot, _) = filled_slot(dir.path());
    let cases = [
        (Some("nonce=zz"), "not hexadecimal"),
        (Some("nonce=abc"), "not hexadecimal"),
        (
            Some(&*format!("nonce={}", "00".repeat(65))),
            "longer than 64 bytes",
        ),
        (None, "exactly one nonce"),
        (Some("other=1"), "exactly one nonce"),
        (Some("nonce=00&nonce=01"), "exactly one nonce"),
        (Some("nonce="), "empty"),
    ];
    for (query, reason) in cases {
        let (status, content_type, body) =
            parts(answer(&slot, ATTESTATION_PATH, query).await).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{query:?}: {body}");
        assert_eq!(content_type, "text/plain");
        assert!(body.contains(reason), "{query:?}: {body}");
    }
}

#[tokio::test]
async fn a_document_with_the_nonce_and_the_public_parts_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let (slot, tls) = filled_slot(dir.path());
    let nonce = "AB".repeat(64);
    let query = format!("x=1&nonce={nonce}");
    let (status, content_type, document) =
        parts(answer(&slot, ATTESTATION_PATH, Some(&query)).await).await;
    assert_eq!((status, content_type.as_str()), (200, "application/cbor"));
    let payload = parse_unverified(&document).unwrap();
    assert_eq!(payload.nonce, Some(vec![0xab; 64]));
    assert_eq!(payload.public_key.as_deref(), Some(tls.keys().ca_spki()));

    let (status, content_type, pem) = parts(answer(&slot, CA_PEM_PATH, None).await).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/x-pem-file")
    );
    assert_eq!(pem, tls.ca_pem().into_bytes());
    let (status, content_type, der) = parts(answer(&slot, PROVISIONING_KEY_PATH, None).await).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, PROVISIONING_KEY_CONTENT_TYPE)
    );
    assert_eq!(der, tls.provisioning_key_der());
}
