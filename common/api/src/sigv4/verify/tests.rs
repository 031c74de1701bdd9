//! [`verify`]'s answers, each AWS's error for its case.

use super::*;
use crate::error::KmsErrorType;
use crate::sigv4::sign::{SigningKey, sign_request};

const PRINCIPAL: &str = "arn:aws:iam::111122223333:user/alice";
/// 2023-11-14T22:13:20Z.
const NOW: i64 = 1_700_000_000;

fn store() -> AccessKeyStore {
    let mut store = AccessKeyStore::default();
    store.insert("AKIDEXAMPLE", AccessKey::new("secret", None, PRINCIPAL));
    store.insert(
        "ASIAEXAMPLE",
        AccessKey::new("secret", Some("token".to_owned()), PRINCIPAL),
    );
    store
}

/// A GenerateRandom request signed with `access_key_id` (secret `secret`) at `at`.
fn signed(
    access_key_id: &str,
    token: Option<&str>,
    region: &str,
    at: i64,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("host".to_owned(), "localhost:9600".to_owned()),
        (
            "x-amz-target".to_owned(),
            "TrentService.GenerateRandom".to_owned(),
        ),
    ];
    let key = SigningKey {
        access_key_id,
        secret_access_key: "secret",
        session_token: token,
    };
    let signature = sign_request(&request(headers.clone()), &key, region, at).unwrap();
    headers.extend(signature.into_pairs());
    headers
}

fn request(headers: Vec<(String, String)>) -> SignedRequest<'static> {
    SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers,
        body: br#"{"NumberOfBytes":8}"#,
    }
}

fn check(headers: Vec<(String, String)>) -> Result<Verified, KmsError> {
    verify(&request(headers), &store(), "us-east-1", NOW)
}

fn replace(headers: &mut [(String, String)], name: &str, value: &str) {
    for (n, v) in headers.iter_mut() {
        if n == name {
            *v = value.to_owned();
        }
    }
}

#[test]
fn a_correctly_signed_request_yields_its_principal() {
    let verified = check(signed("AKIDEXAMPLE", None, "us-east-1", NOW)).unwrap();
    assert_eq!(
        verified,
        Verified {
            access_key_id: "AKIDEXAMPLE".to_owned(),
            principal: PRINCIPAL.to_owned(),
            region: "us-east-1".to_owned(),
        }
    );
}

#[test]
fn a_service_of_several_regions_accepts_each_and_names_the_scope_region() {
    let store = store();
    let headers = signed("AKIDEXAMPLE", None, "eu-west-1", NOW);
    let serves = |r: &str| r == "us-east-1" || r == "eu-west-1";
    let checked = check_scoped_headers(&headers, &store, &serves, "kms", NOW, &["host"]);
    assert!(checked.is_ok());
    let headers = signed("AKIDEXAMPLE", None, "ap-south-1", NOW);
    let err = check_scoped_headers(&headers, &store, &serves, "kms", NOW, &["host"]).unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::InvalidSignature);
    assert_eq!(
        err.message(),
        "Credential should be scoped to a valid region, not 'ap-south-1'. "
    );
}

#[test]
fn no_authorization_is_missing_authentication_token() {
    let mut headers = signed("AKIDEXAMPLE", None, "us-east-1", NOW);
    headers.retain(|(n, _)| n != "authorization");
    assert_eq!(
        check(headers).unwrap_err().kind(),
        KmsErrorType::MissingAuthenticationToken
    );
}

#[test]
fn an_unknown_access_key_or_a_wrong_token_is_unrecognized_client() {
    let unknown = check(signed("AKIDUNKNOWN", None, "us-east-1", NOW)).unwrap_err();
    assert_eq!(unknown, KmsError::unrecognized_client());
    let wrong_token = check(signed("ASIAEXAMPLE", Some("other"), "us-east-1", NOW)).unwrap_err();
    assert_eq!(wrong_token, KmsError::unrecognized_client());
    assert!(check(signed("ASIAEXAMPLE", Some("token"), "us-east-1", NOW)).is_ok());
}

#[test]
fn a_wrong_signature_is_invalid_signature() {
    let mut headers = signed("AKIDEXAMPLE", None, "us-east-1", NOW);
    let authorization = headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.replace("Signature=", "Signature=0"))
        .unwrap();
    replace(&mut headers, "authorization", &authorization);
    assert_eq!(check(headers).unwrap_err(), KmsError::invalid_signature());
}

#[test]
fn dates_outside_five_minutes_are_refused_with_aws_wording() {
    let old = check(signed("AKIDEXAMPLE", None, "us-east-1", NOW - 301)).unwrap_err();
    assert_eq!(old.kind(), KmsErrorType::InvalidSignature);
    assert!(old.message().starts_with("Signature expired: "), "{old}");
    let future = check(signed("AKIDEXAMPLE", None, "us-east-1", NOW + 301)).unwrap_err();
    assert!(
        future.message().starts_with("Signature not yet current: "),
        "{future}"
    );
    assert!(check(signed("AKIDEXAMPLE", None, "us-east-1", NOW - 300)).is_ok());
}

#[test]
fn another_region_is_invalid_signature() {
    let err = check(signed("AKIDEXAMPLE", None, "eu-west-1", NOW)).unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::InvalidSignature);
    assert_eq!(
        err.message(),
        "Credential should be scoped to a valid region, not 'eu-west-1'. "
    );
}

#[test]
fn malformed_or_oversized_headers_are_incomplete_signature() {
    for authorization in [
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00".to_owned(),
        "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host".to_owned(),
        "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_reques, SignedHeaders=host, Signature=0"
            .to_owned(),
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("AWS4-HMAC-SHA256 {}", "x".repeat(MAX_AUTHORIZATION_LEN)),
    ] {
        let mut headers = signed("AKIDEXAMPLE", None, "us-east-1", NOW);
        replace(&mut headers, "authorization", &authorization);
        assert_eq!(
            check(headers).unwrap_err().kind(),
            KmsErrorType::IncompleteSignature,
            "{authorization}"
        );
    }
}

#[test]
fn a_credential_with_a_session_token_requires_it_on_every_request() {
    // Signed without the token: the credential has one, so the request is not its.
    let err = check(signed("ASIAEXAMPLE", None, "us-east-1", NOW)).unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::UnrecognizedClient);
    assert!(check(signed("ASIAEXAMPLE", Some("token"), "us-east-1", NOW)).is_ok());
}

#[test]
fn the_enclave_requires_the_date_and_the_target_signed_and_checks_before_the_body() {
    let store = store();
    let all = signed("AKIDEXAMPLE", None, "us-east-1", NOW);
    let checked = check_headers(&all, &store, "us-east-1", NOW, &ENCLAVE_SIGNED_HEADERS).unwrap();
    assert_eq!(checked.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(
        checked
            .verify_body(&request(all.clone()))
            .unwrap()
            .principal,
        PRINCIPAL
    );
    // The same headers with another body: the signature no longer matches.
    let mut other = request(all.clone());
    other.body = br#"{"NumberOfBytes":9}"#;
    assert_eq!(
        checked.verify_body(&other).unwrap_err().kind(),
        KmsErrorType::InvalidSignature
    );

    // Signed without x-amz-target (it is added after signing): refused by name.
    let mut headers = vec![("host".to_owned(), "localhost:9600".to_owned())];
    let key = SigningKey {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "secret",
        session_token: None,
    };
    let signature = sign_request(&request(headers.clone()), &key, "us-east-1", NOW).unwrap();
    headers.extend(signature.into_pairs());
    headers.push((
        "x-amz-target".to_owned(),
        "TrentService.GenerateRandom".to_owned(),
    ));
    let err =
        check_headers(&headers, &store, "us-east-1", NOW, &ENCLAVE_SIGNED_HEADERS).unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::InvalidSignature);
    assert_eq!(
        err.message(),
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
    );
    // The proxy's rule (host only) still accepts it.
    assert!(check(headers).is_ok());
}

#[test]
fn a_request_signed_for_kms_is_refused_where_sts_is_required_with_aws_wording() {
    let store = store();
    let headers = signed("AKIDEXAMPLE", None, "us-east-1", NOW);
    let err =
        check_service_headers(&headers, &store, "us-east-1", "sts", NOW, &["host"]).unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::InvalidSignature);
    assert_eq!(
        err.message(),
        "Credential should be scoped to correct service: 'sts'. "
    );
    // The same headers where `kms` is required pass the scope check.
    assert!(check_service_headers(&headers, &store, "us-east-1", "kms", NOW, &["host"]).is_ok());
}
