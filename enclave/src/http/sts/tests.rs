//! STS's routing, form parsing, caller identities and XML, without a server.

use hyper::http::{HeaderMap, HeaderValue};

use super::caller_identity::{CallerIdentity, UNIQUE_ID_CHARS, unique_id};
use super::query::{QueryRequest, StsError, caller_identity_xml, decode, escape};
use super::*;

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_static(value));
    }
    map
}

#[test]
fn a_form_post_without_a_target_is_sts_and_a_kms_target_never_is() {
    assert!(is_query_request(&headers(&[(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8"
    )])));
    assert!(is_query_request(&headers(&[(
        "content-type",
        "Application/X-WWW-Form-Urlencoded"
    )])));
    assert!(!is_query_request(&headers(&[
        ("content-type", "application/x-www-form-urlencoded"),
        ("x-amz-target", "TrentService.Encrypt"),
    ])));
    assert!(!is_query_request(&headers(&[(
        "content-type",
        "application/x-amz-json-1.1"
    )])));
    assert!(!is_query_request(&headers(&[])));
}

#[test]
fn the_form_is_decoded_and_the_first_of_a_repeated_field_counts() {
    let request = QueryRequest::parse(b"Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(request.action.as_deref(), Some("GetCallerIdentity"));
    assert_eq!(request.version.as_deref(), Some("2011-06-15"));
    let request = QueryRequest::parse(b"Unknown=x&Action=Get%43allerIdentity&Action=Other&Version");
    assert_eq!(request.action.as_deref(), Some("GetCallerIdentity"));
    assert_eq!(request.version.as_deref(), Some(""));
    assert_eq!(QueryRequest::parse(b""), QueryRequest::default());
    assert_eq!(decode(b"a+b%20c%zz%4"), "a b c%zz%4");
    assert_eq!(decode(b"%ff"), "\u{fffd}");
}

#[test]
fn get_caller_identity_at_version_2011_06_15_is_the_only_action() {
    let principal = "arn:aws:iam::111122223333:user/simulation";
    match reply(b"Action=GetCallerIdentity&Version=2011-06-15", principal) {
        Reply::Identity(identity) => assert_eq!(identity.arn, principal),
        other => panic!("{other:?}"),
    }
    let error = |body: &[u8]| match reply(body, principal) {
        Reply::Error(e) => (e.status, e.code, e.message),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        error(b"Action=AssumeRole&Version=2011-06-15"),
        (
            400,
            "InvalidAction",
            "Could not find operation AssumeRole for version 2011-06-15".to_owned()
        )
    );
    assert_eq!(
        error(b"Action=GetCallerIdentity").2,
        "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"
    );
    assert_eq!(
        error(b"Action=GetCallerIdentity&Version=2000-01-01").2,
        "Could not find operation GetCallerIdentity for version 2000-01-01"
    );
    assert_eq!(reply(b"Version=2011-06-15", principal), Reply::NoAction);
}

#[test]
fn user_ids_are_formed_as_aws_forms_them_per_kind_of_principal() {
    let root = CallerIdentity::of("arn:aws:iam::111122223333:root");
    assert_eq!(root.account, "111122223333");
    assert_eq!(root.user_id, "111122223333");

    let user = CallerIdentity::of("arn:aws:iam::111122223333:user/path/alice");
    assert_eq!(user.account, "111122223333");
    assert!(user.user_id.starts_with("AIDA"), "{}", user.user_id);
    assert_eq!(user.user_id.len(), 4 + UNIQUE_ID_CHARS);
    assert!(
        user.user_id
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "{}",
        user.user_id
    );

    let session = CallerIdentity::of("arn:aws:sts::444455556666:assumed-role/Admin/build-42");
    assert_eq!(session.account, "444455556666");
    let role_id = unique_id("AROA", "arn:aws:iam::444455556666:role/Admin");
    assert_eq!(session.user_id, format!("{role_id}:build-42"));

    let federated = CallerIdentity::of("arn:aws:sts::444455556666:federated-user/bob");
    assert_eq!(federated.user_id, "444455556666:bob");

    let odd = CallerIdentity::of("not an arn");
    assert_eq!(odd.account, "");
    assert!(odd.user_id.starts_with("AIDA"));
}

#[test]
fn a_unique_id_is_stable_and_differs_between_arns() {
    let alice = "arn:aws:iam::111122223333:user/alice";
    // Pinned: the id must not change between releases (callers may store it).
    assert_eq!(unique_id("AIDA", alice), unique_id("AIDA", alice));
    assert_eq!(
        CallerIdentity::of(alice).user_id,
        CallerIdentity::of(alice).user_id
    );
    assert_ne!(
        unique_id("AIDA", alice),
        unique_id("AIDA", "arn:aws:iam::111122223333:user/bob")
    );
}

#[test]
fn the_answer_and_the_errors_are_stss_xml_with_text_escaped() {
    assert_eq!(escape(r#"a&b<c>d"e'f"#), r#"a&amp;b&lt;c&gt;d"e'f"#);
    let identity = CallerIdentity {
        arn: "arn:aws:iam::1:user/a&b".to_owned(),
        account: "1".to_owned(),
        user_id: "AIDA<x>".to_owned(),
    };
    let xml = caller_identity_xml(&identity, "rid");
    assert!(xml.starts_with(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert!(
        xml.contains("<Arn>arn:aws:iam::1:user/a&amp;b</Arn>"),
        "{xml}"
    );
    assert!(xml.contains("<UserId>AIDA&lt;x&gt;</UserId>"), "{xml}");
    assert!(xml.contains("<Account>1</Account>"), "{xml}");
    assert!(xml.contains("<RequestId>rid</RequestId>"), "{xml}");

    let xml = StsError::invalid_action("<x>", None).to_xml("rid");
    assert_eq!(
        xml,
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    \
         <Type>Sender</Type>\n    <Code>InvalidAction</Code>\n    <Message>Could not find \
         operation &lt;x&gt; for version NO_VERSION_SPECIFIED</Message>\n  </Error>\n  \
         <RequestId>rid</RequestId>\n</ErrorResponse>\n"
    );
    assert_eq!(StsError::internal("x").fault(), "Receiver");
}

#[test]
fn sigv4_refusals_become_stss_codes_and_statuses() {
    let cases = [
        (
            KmsError::missing_authentication_token(),
            403,
            "MissingAuthenticationToken",
        ),
        (KmsError::unrecognized_client(), 403, "InvalidClientTokenId"),
        (KmsError::invalid_signature(), 403, "SignatureDoesNotMatch"),
        (
            KmsError::new(KmsErrorType::IncompleteSignature, "x"),
            400,
            "IncompleteSignature",
        ),
        (KmsError::serialization("too large"), 400, "ValidationError"),
    ];
    for (error, status, code) in cases {
        let sts = refusal(&error);
        assert_eq!((sts.status, sts.code), (status, code), "{error:?}");
    }
    assert_eq!(
        refusal(&KmsError::invalid_signature()).message,
        KmsError::invalid_signature().message()
    );
}
