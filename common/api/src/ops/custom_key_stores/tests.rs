//! Validation of the custom key store requests against the model's constraints (sources: the
//! model's shapes; AWS hides sensitive values as `Value at '...'`, recorded for `plaintext`).

use super::*;
use crate::json::parse;

#[test]
fn create_requires_a_name_and_defaults_to_cloudhsm() {
    let err = parse::<CreateCustomKeyStoreRequest>(b"{}").unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value null at 'customKeyStoreName' failed to satisfy constraint: Member must not be null"
    );
    let req: CreateCustomKeyStoreRequest = parse(br#"{"CustomKeyStoreName":"s"}"#).unwrap();
    assert_eq!(req.store_type(), Some(CustomKeyStoreType::AwsCloudhsm));
}

#[test]
fn create_checks_cluster_id_type_and_proxy_members_by_the_model() {
    let body = serde_json::json!({
        "CustomKeyStoreName": "s",
        "CloudHsmClusterId": "cluster-1",
        "CustomKeyStoreType": "OTHER",
        "XksProxyUriEndpoint": "http://proxy.example.com",
    });
    let err = parse::<CreateCustomKeyStoreRequest>(body.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        err.message(),
        "5 validation errors detected: \
         Value 'OTHER' at 'customKeyStoreType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_CLOUDHSM, EXTERNAL_KEY_STORE]; \
         Value 'cluster-1' at 'cloudHsmClusterId' failed to satisfy constraint: Member must have length greater than or equal to 19; \
         Value 'cluster-1' at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}; \
         Value 'http://proxy.example.com' at 'xksProxyUriEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern: ^https://[a-zA-Z0-9.-]+$; \
         Value 'http://proxy.example.com' at 'xksProxyUriEndpoint' failed to satisfy constraint: Member must have length less than or equal to 128"
            .replace("; Value 'http://proxy.example.com' at 'xksProxyUriEndpoint' failed to satisfy constraint: Member must have length less than or equal to 128", "")
            .replace("5 validation", "4 validation")
    );
}

#[test]
fn secrets_are_never_quoted_in_messages_or_debug() {
    let body = serde_json::json!({
        "CustomKeyStoreName": "s",
        "KeyStorePassword": "short",
        "XksProxyAuthenticationCredential": {"AccessKeyId": "lowercase-is-not-base32", "RawSecretAccessKey": "tooShortSecret"},
    });
    let err = parse::<CreateCustomKeyStoreRequest>(body.to_string().as_bytes()).unwrap_err();
    let message = err.message();
    for secret in ["short", "lowercase-is-not-base32", "tooShortSecret"] {
        assert!(!message.contains(&format!("'{secret}'")), "{message}");
    }
    assert!(
        message.contains("Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7"),
        "{message}"
    );
    assert!(
        message.contains("Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[A-Z2-7]+$"),
        "{message}"
    );
    let req: CreateCustomKeyStoreRequest =
        parse(br#"{"CustomKeyStoreName":"s","KeyStorePassword":"kmsPswd1"}"#).unwrap();
    assert!(!format!("{req:?}").contains("kmsPswd1"));
}

#[test]
fn store_id_requests_require_an_id_of_at_most_64_characters() {
    for parse_one in [
        |b: &[u8]| parse::<ConnectCustomKeyStoreRequest>(b).map(|_| ()),
        |b: &[u8]| parse::<DisconnectCustomKeyStoreRequest>(b).map(|_| ()),
        |b: &[u8]| parse::<DeleteCustomKeyStoreRequest>(b).map(|_| ()),
        |b: &[u8]| parse::<UpdateCustomKeyStoreRequest>(b).map(|_| ()),
    ] {
        assert_eq!(
            parse_one(b"{}").unwrap_err().message(),
            "1 validation error detected: Value null at 'customKeyStoreId' failed to satisfy constraint: Member must not be null"
        );
        let long = serde_json::json!({"CustomKeyStoreId": "c".repeat(65)}).to_string();
        assert!(
            parse_one(long.as_bytes())
                .unwrap_err()
                .message()
                .ends_with("at 'customKeyStoreId' failed to satisfy constraint: Member must have length less than or equal to 64")
        );
    }
}

#[test]
fn empty_responses_serialize_as_empty_objects_and_the_list_in_aws_order() {
    assert_eq!(
        serde_json::to_string(&ConnectCustomKeyStoreResponse {}).unwrap(),
        "{}"
    );
    let listed = DescribeCustomKeyStoresResponse {
        custom_key_stores: Some(Vec::new()),
        next_marker: None,
        truncated: Some(false),
    };
    assert_eq!(
        serde_json::to_string(&listed).unwrap(),
        r#"{"CustomKeyStores":[],"Truncated":false}"#
    );
}
