//! Key policies as Nitro users write them, evaluated as AWS would.

use std::collections::BTreeMap;

use nitro_kms_api::KmsErrorType;
use proptest::prelude::*;

use super::*;

const ACCOUNT: &str = "111122223333";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const PCR0: &str = "f4d48b81a460c9916d1e685119074bf24660afd3e34fae9fca0a0d28d9d5599936332687e6f66fc890ac8cf150142d8b";

fn ctx(principal: &str, action: &str) -> RequestContext {
    RequestContext {
        principal_arn: principal.to_owned(),
        action: action.to_owned(),
        key_arn: KEY_ARN.to_owned(),
        encryption_context: BTreeMap::new(),
        attestation: None,
        condition_keys: BTreeMap::new(),
    }
}

fn attested(mut c: RequestContext, pcr0: &str) -> RequestContext {
    c.attestation = Some(AttestationFacts {
        image_sha384: pcr0.to_owned(),
        pcrs: [(0, pcr0.to_owned()), (8, "ab".repeat(48))].into(),
    });
    c
}

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const MALLORY: &str = "arn:aws:iam::444455556666:user/mallory";

fn policy(statements: &str) -> Policy {
    Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{statements}}}"#
    ))
    .unwrap()
}

#[test]
fn default_policy_admits_the_account_and_denies_others_with_awss_message() {
    let p = Policy::parse(&default_policy(ACCOUNT)).unwrap();
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:GenerateDataKey")),
        Decision::Allow
    );
    assert_eq!(
        p.evaluate(&ctx(
            "arn:aws:sts::111122223333:assumed-role/app/s1",
            "kms:Decrypt"
        )),
        Decision::Allow
    );
    let err = authorize(&p, &ctx(MALLORY, "kms:GenerateDataKey")).unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::AccessDenied);
    assert_eq!(
        err.message(),
        format!(
            "User: {MALLORY} is not authorized to perform: kms:GenerateDataKey on resource: {KEY_ARN} \
             because no resource-based policy allows the kms:GenerateDataKey action"
        )
    );
}

#[test]
fn default_policy_text_is_awss() {
    assert!(default_policy(ACCOUNT).contains(r#""AWS" : "arn:aws:iam::111122223333:root""#));
    assert!(default_policy(ACCOUNT).contains(r#""Id" : "key-default-1""#));
}

#[test]
fn explicit_deny_beats_allow_with_awss_message() {
    let p = policy(
        r#"[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]"#,
    );
    assert_eq!(p.evaluate(&ctx(ALICE, "kms:Encrypt")), Decision::Allow);
    let err = authorize(&p, &ctx(ALICE, "kms:Decrypt")).unwrap_err();
    assert_eq!(
        err.message(),
        format!(
            "User: {ALICE} is not authorized to perform: kms:Decrypt on resource: {KEY_ARN} \
             with an explicit deny in a resource-based policy"
        )
    );
}

#[test]
fn action_wildcards_not_action_and_case() {
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"kms:GenerateDataKey*","Resource":"*"}"#,
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:GenerateDataKey")),
        Decision::Allow
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:GenerateDataKeyWithoutPlaintext")),
        Decision::Allow
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:Decrypt")),
        Decision::ImplicitDeny
    );
    let p = policy(r#"{"Effect":"Allow","Principal":"*","Action":"KMS:decrypt","Resource":"*"}"#);
    assert_eq!(p.evaluate(&ctx(ALICE, "kms:Decrypt")), Decision::Allow);
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","NotAction":["kms:Schedule*","kms:Put*"],"Resource":"*"}"#,
    );
    assert_eq!(p.evaluate(&ctx(ALICE, "kms:Decrypt")), Decision::Allow);
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:PutKeyPolicy")),
        Decision::ImplicitDeny
    );
}

#[test]
fn principals_roles_sessions_and_not_principal() {
    let p = policy(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:*","Resource":"*"}"#,
    );
    assert_eq!(
        p.evaluate(&ctx(
            "arn:aws:sts::111122223333:assumed-role/app/i-123",
            "kms:Decrypt"
        )),
        Decision::Allow
    );
    assert_eq!(
        p.evaluate(&ctx(
            "arn:aws:sts::111122223333:assumed-role/other/i-123",
            "kms:Decrypt"
        )),
        Decision::ImplicitDeny
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:Decrypt")),
        Decision::ImplicitDeny
    );
    let p = policy(
        r#"[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
            {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*"}]"#,
    );
    assert_eq!(p.evaluate(&ctx(ALICE, "kms:Decrypt")), Decision::Allow);
    assert_eq!(
        p.evaluate(&ctx(MALLORY, "kms:Decrypt")),
        Decision::ExplicitDeny
    );
}

#[test]
fn resource_other_than_the_key_never_matches() {
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/other"}"#,
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:Decrypt")),
        Decision::ImplicitDeny
    );
    let p = policy(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"{KEY_ARN}"}}"#
    ));
    assert_eq!(p.evaluate(&ctx(ALICE, "kms:Decrypt")), Decision::Allow);
}

/// The policy from AWS's Nitro Enclaves documentation, with our PCR0.
fn nitro_policy() -> Policy {
    policy(&format!(
        r#"{{"Sid":"Enable enclave data processing","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/data-processing"}},
            "Action":["kms:Decrypt","kms:GenerateDataKey","kms:GenerateRandom"],"Resource":"*",
            "Condition":{{"StringEqualsIgnoreCase":{{"kms:RecipientAttestation:ImageSha384":"{}"}}}}}}"#,
        PCR0.to_uppercase()
    ))
}

#[test]
fn attestation_condition_admits_the_matching_image_only() {
    let role = "arn:aws:sts::111122223333:assumed-role/data-processing/i-1";
    let p = nitro_policy();
    assert_eq!(
        p.evaluate(&attested(ctx(role, "kms:Decrypt"), PCR0)),
        Decision::Allow
    );
    assert_eq!(
        p.evaluate(&attested(ctx(role, "kms:Decrypt"), &"00".repeat(48))),
        Decision::ImplicitDeny
    );
    // A plain caller (no Recipient) does not satisfy an attestation condition.
    assert_eq!(
        p.evaluate(&ctx(role, "kms:Decrypt")),
        Decision::ImplicitDeny
    );
}

#[test]
fn pcr_conditions_and_string_equals_case() {
    let p = policy(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",
            "Condition":{{"StringEquals":{{"kms:RecipientAttestation:PCR0":"{PCR0}","kms:recipientattestation:pcr8":"{}"}}}}}}"#,
        "ab".repeat(48)
    ));
    assert_eq!(
        p.evaluate(&attested(ctx(ALICE, "kms:Decrypt"), PCR0)),
        Decision::Allow
    );
    // StringEquals compares as written: an upper-case request value would not match.
    assert_eq!(
        p.evaluate(&attested(ctx(ALICE, "kms:Decrypt"), &PCR0.to_uppercase())),
        Decision::ImplicitDeny
    );
}

#[test]
fn encryption_context_conditions() {
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",
            "Condition":{"StringEquals":{"kms:EncryptionContext:purpose":"backup"},
                         "ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["purpose","tenant"]}}}"#,
    );
    let mut c = ctx(ALICE, "kms:GenerateDataKey");
    c.encryption_context = [("purpose".into(), "backup".into())].into();
    assert_eq!(p.evaluate(&c), Decision::Allow);
    c.encryption_context.insert("tenant".into(), "7".into());
    assert_eq!(p.evaluate(&c), Decision::Allow);
    c.encryption_context.insert("extra".into(), "x".into());
    assert_eq!(
        p.evaluate(&c),
        Decision::ImplicitDeny,
        "ForAllValues refuses an unlisted key"
    );
    c.encryption_context = [("purpose".into(), "Backup".into())].into();
    assert_eq!(
        p.evaluate(&c),
        Decision::ImplicitDeny,
        "values are case-sensitive"
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:GenerateDataKey")),
        Decision::ImplicitDeny,
        "absent context"
    );
}

#[test]
fn null_if_exists_and_string_like() {
    let p = policy(
        r#"{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*",
            "Condition":{"Null":{"kms:RecipientAttestation:ImageSha384":"true"}}}"#,
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:Decrypt")),
        Decision::ExplicitDeny,
        "no attestation: denied"
    );
    assert_eq!(
        p.evaluate(&attested(ctx(ALICE, "kms:Decrypt"), PCR0)),
        Decision::ImplicitDeny
    );

    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",
            "Condition":{"StringLikeIfExists":{"kms:EncryptionContext:path":"/data/??/*"}}}"#,
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:Encrypt")),
        Decision::Allow,
        "IfExists passes when absent"
    );
    let mut c = ctx(ALICE, "kms:Encrypt");
    c.encryption_context = [("path".into(), "/data/eu/x/y".into())].into();
    assert_eq!(p.evaluate(&c), Decision::Allow);
    c.encryption_context = [("path".into(), "/data/e/x".into())].into();
    assert_eq!(p.evaluate(&c), Decision::ImplicitDeny);
}

#[test]
fn negated_operator_on_an_absent_key_is_true() {
    let p = policy(
        r#"{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",
            "Condition":{"StringNotEquals":{"kms:EncryptionContext:tenant":"7"}}}"#,
    );
    assert_eq!(
        p.evaluate(&ctx(ALICE, "kms:Encrypt")),
        Decision::ExplicitDeny
    );
    let mut c = ctx(ALICE, "kms:Encrypt");
    c.encryption_context = [("tenant".into(), "7".into())].into();
    assert_eq!(p.evaluate(&c), Decision::ImplicitDeny);
}

#[test]
fn malformed_documents_are_refused() {
    let cases = [
        "not json",
        "[]",
        r#"{"Version":"2012-10-17"}"#,
        r#"{"Statement":"x"}"#,
        r#"{"Statement":[]}"#,
        r#"{"Statement":{"Principal":"*","Action":"kms:*","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Maybe","Principal":"*","Action":"kms:*","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"NumericLessThan":{"a":"1"}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"kms:*","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"kms:*","Resource":"*"}}"#,
        r#"{"Version":"2020-01-01","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}"#,
    ];
    for text in cases {
        assert!(Policy::parse(text).is_err(), "{text}");
    }
    let big = format!(
        r#"{{"Id":"{}","Statement":[]}}"#,
        "x".repeat(MAX_POLICY_LEN)
    );
    assert!(Policy::parse(&big).unwrap_err().0.contains("limit"));
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(text in "[{}\\[\\]\":,a-zA-Z*0-9 ]{0,200}") {
        let _ = Policy::parse(&text);
    }
}

mod case_variants;
