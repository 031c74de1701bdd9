//! Grants in process (issue 18): a key policy that admits only the owner, a grant for Bob, and
//! every way the grant takes part in authorization, retiring and revoking. Sources: AWS's
//! developer guide ("Grants in AWS KMS", "Using grant constraints", "Retiring and revoking
//! grants"), the CreateGrant API reference (`Name` idempotency, tokens unique per request), the
//! model's error rows; messages without a public AWS recording are marked as this service's.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::service::Service;
use crate::test_support::{self, call};

const OWNER: &str = "arn:aws:iam::111122223333:user/owner";
const BOB: &str = "arn:aws:iam::111122223333:user/bob";
const CAROL: &str = "arn:aws:iam::111122223333:user/carol";

/// Allows the owner everything; nobody else.
fn owner_only_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "kms:*", "Resource": "*"
    }]})
    .to_string()
}

async fn owned_key(svc: &Arc<Service>, extra: Value) -> String {
    let mut body = json!({"Policy": owner_only_policy()});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, answer) = call(svc, OWNER, "CreateKey", body).await;
    assert_eq!(status, 200, "{answer}");
    answer["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
}

async fn grant(svc: &Arc<Service>, body: Value) -> (String, String) {
    let (status, answer) = call(svc, OWNER, "CreateGrant", body).await;
    assert_eq!(status, 200, "{answer}");
    (
        answer["GrantId"].as_str().unwrap().to_owned(),
        answer["GrantToken"].as_str().unwrap().to_owned(),
    )
}

async fn encrypt(svc: &Arc<Service>, who: &str, key: &str, context: Value) -> (u16, Value) {
    call(
        svc,
        who,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "AQID", "EncryptionContext": context}),
    )
    .await
}

#[tokio::test]
async fn a_grant_lets_its_grantee_do_its_operations_only_and_only_until_it_is_revoked() {
    let (svc, _, parent) = test_support::service().await;
    let key = owned_key(&svc, json!({})).await;
    assert_eq!(encrypt(&svc, BOB, &key, json!({})).await.0, 400);
    let (grant_id, _) = grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt", "Decrypt"]}),
    )
    .await;
    assert_eq!(grant_id.len(), 64);
    assert!(
        grant_id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    );
    let (status, sealed) = encrypt(&svc, BOB, &key, json!({})).await;
    assert_eq!(status, 200, "{sealed}");
    let (status, _) = call(
        &svc,
        BOB,
        "Decrypt",
        json!({"CiphertextBlob": sealed["CiphertextBlob"]}),
    )
    .await;
    assert_eq!(status, 200);
    // Not listed: GenerateDataKey; not the grantee: Carol.
    let (status, answer) = call(
        &svc,
        BOB,
        "GenerateDataKey",
        json!({"KeyId": key, "KeySpec": "AES_256"}),
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("AccessDeniedException"))
    );
    assert_eq!(encrypt(&svc, CAROL, &key, json!({})).await.0, 400);
    // Sealed: a replica (or a restart) sees the grant.
    let replica = test_support::replica(parent).await;
    assert_eq!(encrypt(&replica, BOB, &key, json!({})).await.0, 200);
    // Revoked by the owner (kms:RevokeGrant in the key policy): Bob is denied again.
    let (status, body) = call(
        &svc,
        OWNER,
        "RevokeGrant",
        json!({"KeyId": key, "GrantId": grant_id}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(encrypt(&svc, BOB, &key, json!({})).await.0, 400);
    let (status, answer) = call(
        &svc,
        OWNER,
        "RevokeGrant",
        json!({"KeyId": key, "GrantId": grant_id}),
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("NotFoundException"))
    );
}

#[tokio::test]
async fn constraints_bind_the_encryption_context_subset_or_exactly() {
    let (svc, _, _) = test_support::service().await;
    let key = owned_key(&svc, json!({})).await;
    grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"],
        "Constraints": {"EncryptionContextSubset": {"tenant": "a"}}}),
    )
    .await;
    assert_eq!(
        encrypt(&svc, BOB, &key, json!({"tenant": "a", "x": "y"}))
            .await
            .0,
        200
    );
    assert_eq!(
        encrypt(&svc, BOB, &key, json!({"tenant": "b"})).await.0,
        400
    );
    assert_eq!(encrypt(&svc, BOB, &key, json!({})).await.0, 400);
    grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": CAROL, "Operations": ["Encrypt"],
        "Constraints": {"EncryptionContextEquals": {"tenant": "a"}}}),
    )
    .await;
    assert_eq!(
        encrypt(&svc, CAROL, &key, json!({"tenant": "a"})).await.0,
        200
    );
    assert_eq!(
        encrypt(&svc, CAROL, &key, json!({"tenant": "a", "x": "y"}))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn an_explicit_deny_in_the_key_policy_wins_over_a_grant() {
    let (svc, _, _) = test_support::service().await;
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": BOB}, "Action": "kms:Encrypt", "Resource": "*"}
    ]});
    let (status, answer) = call(
        &svc,
        OWNER,
        "CreateKey",
        json!({"Policy": policy.to_string()}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let key = answer["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"]}),
    )
    .await;
    let (status, answer) = encrypt(&svc, BOB, &key, json!({})).await;
    assert_eq!(status, 400);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("explicit deny"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_grant_does_not_bypass_the_key_state() {
    let (svc, _, _) = test_support::service().await;
    let key = owned_key(&svc, json!({})).await;
    grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"]}),
    )
    .await;
    assert_eq!(
        call(&svc, OWNER, "DisableKey", json!({"KeyId": key}))
            .await
            .0,
        200
    );
    let (status, answer) = encrypt(&svc, BOB, &key, json!({})).await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("DisabledException"))
    );
    // CreateGrant on a disabled key: DisabledException (model error row, key state table).
    let (status, answer) = call(
        &svc,
        OWNER,
        "CreateGrant",
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Decrypt"]}),
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("DisabledException"))
    );
}

#[tokio::test]
async fn the_same_name_and_parameters_answer_the_same_grant_id_with_a_new_token() {
    let (svc, _, _) = test_support::service().await;
    let key = owned_key(&svc, json!({})).await;
    let body =
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"], "Name": "n1"});
    let (id1, token1) = grant(&svc, body.clone()).await;
    let (id2, token2) = grant(&svc, body).await;
    assert_eq!(id1, id2);
    assert_ne!(token1, token2);
    let (id3, _) = grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB,
        "Operations": ["Decrypt"], "Name": "n1"}),
    )
    .await;
    assert_ne!(id1, id3);
    let (_, list) = call(&svc, OWNER, "ListGrants", json!({"KeyId": key})).await;
    assert_eq!(list["Grants"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn retire_by_token_by_id_and_who_may_retire() {
    let (svc, _, _) = test_support::service().await;
    let key = owned_key(&svc, json!({})).await;
    let (_, token) = grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB,
        "RetiringPrincipal": CAROL, "Operations": ["Encrypt"]}),
    )
    .await;
    // Bob is the grantee, but the grant does not list RetireGrant, and the policy denies him.
    let (status, answer) = call(&svc, BOB, "RetireGrant", json!({"GrantToken": token})).await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("AccessDeniedException"))
    );
    // Carol is the retiring principal.
    assert_eq!(
        call(&svc, CAROL, "RetireGrant", json!({"GrantToken": token}))
            .await
            .0,
        200
    );
    assert_eq!(encrypt(&svc, BOB, &key, json!({})).await.0, 400);
    // A grant listing RetireGrant may be retired by its grantee, by key and grant id.
    let (id, _) = grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB,
        "Operations": ["Encrypt", "RetireGrant"]}),
    )
    .await;
    let (status, body) = call(
        &svc,
        BOB,
        "RetireGrant",
        json!({"KeyId": key, "GrantId": id}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = call(&svc, OWNER, "ListGrants", json!({"KeyId": key})).await;
    assert_eq!(list["Grants"], json!([]));
}

#[tokio::test]
async fn a_forged_or_malformed_grant_token_is_invalid_grant_token_in_every_operation() {
    let (svc, _, _) = test_support::service().await;
    let key = owned_key(&svc, json!({})).await;
    let (_, token) = grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"]}),
    )
    .await;
    let mut forged = token.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap();
    for bad in [forged.as_str(), "not-a-token"] {
        let (status, answer) = call(
            &svc,
            BOB,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": "AQID", "GrantTokens": [bad]}),
        )
        .await;
        assert_eq!(
            (status, answer["__type"].as_str()),
            (400, Some("InvalidGrantTokenException"))
        );
        let (status, answer) = call(&svc, BOB, "RetireGrant", json!({"GrantToken": bad})).await;
        assert_eq!(
            (status, answer["__type"].as_str()),
            (400, Some("InvalidGrantTokenException"))
        );
    }
    // The real token is accepted (and not needed: grants take effect at once).
    let (status, _) = call(
        &svc,
        BOB,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "AQID", "GrantTokens": [token]}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn operations_must_fit_the_key_and_a_grantee_grants_no_more_than_it_has() {
    let (svc, _, _) = test_support::service().await;
    let signing = owned_key(
        &svc,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    )
    .await;
    let (status, answer) = call(
        &svc,
        OWNER,
        "CreateGrant",
        json!({"KeyId": signing, "GranteePrincipal": BOB, "Operations": ["GenerateDataKey"]}),
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("ValidationException"))
    );
    let key = owned_key(&svc, json!({})).await;
    grant(
        &svc,
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt", "CreateGrant"]}),
    )
    .await;
    let (status, body) = call(
        &svc,
        BOB,
        "CreateGrant",
        json!({"KeyId": key, "GranteePrincipal": CAROL, "Operations": ["Encrypt"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(
        &svc,
        BOB,
        "CreateGrant",
        json!({"KeyId": key, "GranteePrincipal": CAROL, "Operations": ["Decrypt"]}),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn grant_condition_keys_allow_or_deny_create_grant() {
    let (svc, _, _) = test_support::service().await;
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "kms:CreateGrant", "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "Decrypt"]},
                       "StringEquals": {"kms:GrantConstraintType": "EncryptionContextSubset"}}}
    ]});
    let (_, answer) = call(
        &svc,
        OWNER,
        "CreateKey",
        json!({"Policy": policy.to_string()}),
    )
    .await;
    let key = answer["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let with = |ops: Value, constraints: Value| json!({"KeyId": key, "GranteePrincipal": CAROL, "Operations": ops, "Constraints": constraints});
    let ok = with(
        json!(["Encrypt"]),
        json!({"EncryptionContextSubset": {"a": "b"}}),
    );
    assert_eq!(call(&svc, BOB, "CreateGrant", ok).await.0, 200);
    let wrong_op = with(
        json!(["GenerateDataKey"]),
        json!({"EncryptionContextSubset": {"a": "b"}}),
    );
    assert_eq!(call(&svc, BOB, "CreateGrant", wrong_op).await.0, 400);
    let wrong_type = with(
        json!(["Encrypt"]),
        json!({"EncryptionContextEquals": {"a": "b"}}),
    );
    assert_eq!(call(&svc, BOB, "CreateGrant", wrong_type).await.0, 400);
}

#[tokio::test]
async fn list_grants_pages_and_list_retirable_grants_spans_keys() {
    let (svc, _, _) = test_support::service().await;
    let k1 = owned_key(&svc, json!({})).await;
    let k2 = owned_key(&svc, json!({})).await;
    for key in [&k1, &k1, &k1, &k2] {
        grant(
            &svc,
            json!({"KeyId": key, "GranteePrincipal": BOB, "RetiringPrincipal": CAROL,
            "Operations": ["Decrypt"], "Constraints": {"EncryptionContextEquals": {"a": "b"}}}),
        )
        .await;
    }
    let (_, page1) = call(&svc, OWNER, "ListGrants", json!({"KeyId": k1, "Limit": 2})).await;
    assert_eq!(page1["Grants"].as_array().unwrap().len(), 2);
    assert_eq!(page1["Truncated"], true);
    let entry = &page1["Grants"][0];
    assert_eq!(entry["IssuingAccount"], "arn:aws:iam::111122223333:root");
    assert_eq!(
        entry["Constraints"],
        json!({"EncryptionContextEquals": {"a": "b"}})
    );
    assert!(entry["CreationDate"].is_number());
    assert_eq!(
        entry["KeyId"],
        format!("arn:aws:kms:us-east-1:111122223333:key/{k1}")
    );
    let (_, page2) = call(
        &svc,
        OWNER,
        "ListGrants",
        json!({"KeyId": k1, "Limit": 2, "Marker": page1["NextMarker"]}),
    )
    .await;
    assert_eq!(
        (
            page2["Grants"].as_array().unwrap().len(),
            &page2["Truncated"]
        ),
        (1, &json!(false))
    );
    let (_, retirable) = call(
        &svc,
        CAROL,
        "ListRetirableGrants",
        json!({"RetiringPrincipal": CAROL}),
    )
    .await;
    assert_eq!(retirable["Grants"].as_array().unwrap().len(), 4);
    let (status, answer) = call(
        &svc,
        OWNER,
        "ListGrants",
        json!({"KeyId": k1, "GrantId": "0".repeat(64)}),
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("InvalidGrantIdException"))
    );
    // Deleting a key drops its grants.
    assert_eq!(
        call(&svc, OWNER, "ScheduleKeyDeletion", json!({"KeyId": k2}))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn dry_run_checks_everything_and_creates_nothing() {
    let (svc, _, _) = test_support::service().await;
    let key = owned_key(&svc, json!({})).await;
    let (status, answer) = call(
        &svc,
        OWNER,
        "CreateGrant",
        json!({"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Encrypt"], "DryRun": true}),
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("DryRunOperationException"))
    );
    let (_, list) = call(&svc, OWNER, "ListGrants", json!({"KeyId": key})).await;
    assert_eq!(list["Grants"], json!([]));
}
