use super::*;
use crate::json;
use crate::validate::Validate;

fn create(body: &str) -> Result<(), KmsError> {
    json::decode::<CreateGrantRequest>(body.as_bytes())?.validate()
}

#[test]
fn create_grant_refuses_a_grant_of_only_create_grant_as_aws_does() {
    // Recorded from AWS in ansible/ansible#31960.
    let err = create(r#"{"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:user/b","Operations":["CreateGrant"]}"#)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Grants must not contain only the CreateGrant operation."
    );
}

#[test]
fn create_grant_refuses_unknown_operations_with_the_model_value_set() {
    let err = create(
        r#"{"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:user/b","Operations":["Nope"]}"#,
    )
    .unwrap_err();
    assert!(
        err.message().starts_with(
            "1 validation error detected: Value 'Nope' at 'operations.1.member' failed to satisfy constraint: Member must satisfy enum value set: ["
        ),
        "{}",
        err.message()
    );
}

#[test]
fn constraints_need_operations_that_take_an_encryption_context() {
    let err = create(r#"{"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:user/b","Operations":["Sign"],"Constraints":{"EncryptionContextSubset":{"a":"b"}}}"#)
        .unwrap_err();
    assert_eq!(err.kind(), crate::KmsErrorType::Validation);
    create(r#"{"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:user/b","Operations":["Decrypt","Encrypt"],"Constraints":{"EncryptionContextEquals":{"a":"b"}}}"#)
        .unwrap();
    let both = create(r#"{"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:user/b","Operations":["Decrypt"],"Constraints":{"EncryptionContextEquals":{"a":"b"},"EncryptionContextSubset":{"a":"b"}}}"#)
        .unwrap_err();
    assert_eq!(both.message(), "More than one constraint supplied");
}

#[test]
fn principals_and_names_follow_the_model_patterns() {
    let err =
        create(r#"{"KeyId":"k","GranteePrincipal":"a b","Operations":["Encrypt"],"Name":"x y"}"#)
            .unwrap_err();
    assert_eq!(
        err.message(),
        r"2 validation errors detected: Value 'a b' at 'granteePrincipal' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\w+=,.@:/-]+$; Value 'x y' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
    );
    let none = create(r#"{"KeyId":"k","Operations":["Encrypt"]}"#).unwrap_err();
    assert_eq!(none.kind(), crate::KmsErrorType::Validation);
}

#[test]
fn retire_grant_needs_a_token_or_a_key_and_a_grant_id() {
    let retire = |body: &str| json::decode::<RetireGrantRequest>(body.as_bytes())?.validate();
    assert_eq!(
        retire(r#"{"GrantId":"g"}"#).unwrap_err().message(),
        "Grant token OR (grant ID, key ID) must be specified"
    );
    retire(r#"{"GrantId":"g","KeyId":"k"}"#).unwrap();
    retire(r#"{"GrantToken":"t"}"#).unwrap();
}
