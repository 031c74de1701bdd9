//! [`sign_request`] against the signature core and the verifier.

use super::*;
use crate::sigv4::access_keys::{AccessKey, AccessKeyStore};
use crate::sigv4::amz_date::parse_amz_date;
use crate::sigv4::verify::verify;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const PRINCIPAL: &str = "arn:aws:iam::111122223333:user/alice";
/// 2015-08-30T12:36:00Z.
const NOW: i64 = 1_440_938_160;

fn base_headers() -> Vec<(String, String)> {
    vec![
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
        ("host".to_owned(), "kms.us-east-1.amazonaws.com".to_owned()),
        (
            "x-amz-target".to_owned(),
            "TrentService.GenerateRandom".to_owned(),
        ),
    ]
}

fn request(headers: Vec<(String, String)>) -> SignedRequest<'static> {
    SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers,
        body: br#"{"NumberOfBytes":32}"#,
    }
}

fn key(session_token: Option<&str>) -> SigningKey<'_> {
    SigningKey {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token,
    }
}

#[test]
fn authorization_has_the_aws_format_and_the_core_signature() {
    let signed = sign_request(&request(base_headers()), &key(None), "us-east-1", NOW).unwrap();
    assert_eq!(signed.amz_date, "20150830T123600Z");
    assert_eq!(signed.security_token, None);
    let mut headers = base_headers();
    headers.push(("x-amz-date".to_owned(), signed.amz_date.clone()));
    let names = ["content-type", "host", "x-amz-date", "x-amz-target"];
    let expected = signature(
        &request(headers),
        &names,
        SECRET,
        "20150830T123600Z",
        "us-east-1",
        "kms",
    )
    .unwrap();
    assert_eq!(
        signed.authorization,
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={expected}"
        )
    );
}

#[test]
fn a_session_token_is_sent_and_signed_in_sorted_order() {
    let signed = sign_request(
        &request(base_headers()),
        &key(Some("token")),
        "us-east-1",
        NOW,
    )
    .unwrap();
    assert_eq!(signed.security_token.as_deref(), Some("token"));
    assert!(
        signed.authorization.contains(
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"
        ),
        "{}",
        signed.authorization
    );
    let pairs = signed.into_pairs();
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["x-amz-date", "x-amz-security-token", "authorization"]
    );
}

#[test]
fn signed_requests_pass_verification_with_and_without_a_token() {
    let mut store = AccessKeyStore::default();
    store.insert(AKID, AccessKey::new(SECRET, None, PRINCIPAL));
    store.insert(
        "ASIAEXAMPLE",
        AccessKey::new(SECRET, Some("token".to_owned()), PRINCIPAL),
    );
    for (access_key_id, token) in [(AKID, None), ("ASIAEXAMPLE", Some("token"))] {
        let signing_key = SigningKey {
            access_key_id,
            secret_access_key: SECRET,
            session_token: token,
        };
        let signed =
            sign_request(&request(base_headers()), &signing_key, "us-east-1", NOW).unwrap();
        let mut headers = base_headers();
        headers.extend(signed.into_pairs());
        let verified = verify(&request(headers), &store, "us-east-1", NOW).unwrap();
        assert_eq!(verified.access_key_id, access_key_id);
        assert_eq!(verified.principal, PRINCIPAL);
    }
}

#[test]
fn headers_the_signer_adds_are_replaced_not_signed_twice() {
    let mut headers = base_headers();
    headers.push(("x-amz-date".to_owned(), "19990101T000000Z".to_owned()));
    headers.push(("authorization".to_owned(), "stale".to_owned()));
    let stale = sign_request(&request(headers), &key(None), "us-east-1", NOW).unwrap();
    let fresh = sign_request(&request(base_headers()), &key(None), "us-east-1", NOW).unwrap();
    assert_eq!(stale, fresh);
    assert_eq!(parse_amz_date(&fresh.amz_date), Some(NOW));
}

#[test]
fn debug_redacts_the_secret_and_the_token() {
    let shown = format!(
        "{:?} {:?}",
        key(Some("session-token-value")),
        sign_request(
            &request(base_headers()),
            &key(Some("session-token-value")),
            "us-east-1",
            NOW
        )
        .unwrap()
    );
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains("session-token-value"), "{shown}");
}
