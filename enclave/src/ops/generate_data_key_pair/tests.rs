//! GenerateDataKeyPair(WithoutPlaintext) against an alias moved during the key-pair generation
//! (issue 15): the private key is sealed under the key the caller was authorized on, never under
//! the alias's new target. The generation is replaced by one that waits until the test has moved
//! the alias, so the move lands inside the operation every time (no timing race).

use std::sync::Arc;

use nitro_kms_api::ops::GenerateDataKeyPairWithoutPlaintextRequest;
use tokio::sync::oneshot;

use super::*;
use crate::service::Service;
use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

/// Key A (the default policy: alice may use it), key B (denies alice) and `alias/x` -> A.
async fn alias_on_allowed_key_and_denied_key(svc: &Arc<Service>) -> (String, String) {
    let allowed = create_key(svc, serde_json::json!({})).await;
    let denied = create_key(svc, serde_json::json!({ "Policy": DENIES_ALICE })).await;
    let (status, _) = call(
        svc,
        ADMIN,
        "CreateAlias",
        serde_json::json!({"AliasName": "alias/x", "TargetKeyId": allowed}),
    )
    .await;
    assert_eq!(status, 200);
    // The premise: alice is refused on B, directly and through the alias once it points there.
    let (status, refused) = call(
        svc,
        ALICE,
        "GenerateDataKeyPairWithoutPlaintext",
        serde_json::json!({"KeyId": denied, "KeyPairSpec": "ECC_NIST_P256"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(refused["__type"], "AccessDeniedException");
    (allowed, denied)
}

fn alias_target(svc: &Service) -> String {
    svc.store
        .read(|ks| ks.alias("alias/x").unwrap().target_key_id.clone())
}

/// A key-pair generator that tells the test it started, waits for it, then generates.
fn paused_generation(
    started: oneshot::Sender<()>,
    resume: oneshot::Receiver<()>,
) -> impl FnOnce(DataKeyPairSpec) -> std::pin::Pin<Box<dyn Future<Output = Result<KeyPair, KmsError>>>>
{
    move |spec| {
        Box::pin(async move {
            let _ = started.send(());
            let _ = resume.await;
            generate_pair(spec).await
        })
    }
}

/// Moves `alias/x` to `to` as the admin once the generation started, then lets it finish.
async fn move_alias_during_generation(
    svc: &Arc<Service>,
    to: &str,
    started: oneshot::Receiver<()>,
    resume: oneshot::Sender<()>,
) {
    started.await.unwrap();
    let (status, _) = call(
        svc,
        ADMIN,
        "UpdateAlias",
        serde_json::json!({"AliasName": "alias/x", "TargetKeyId": to}),
    )
    .await;
    assert_eq!(status, 200);
    resume.send(()).unwrap();
}

/// Decrypts `blob` (base64, as the answer rendered it) as the admin; the answer's KeyId.
async fn key_that_opens(svc: &Arc<Service>, blob: &serde_json::Value) -> String {
    let (status, opened) = call(
        svc,
        ADMIN,
        "Decrypt",
        serde_json::json!({ "CiphertextBlob": blob }),
    )
    .await;
    assert_eq!(status, 200, "{opened}");
    opened["KeyId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_private_key_is_sealed_under_the_authorized_key_even_if_the_alias_moves_meanwhile() {
    let (svc, _clock, _parent) = test_support::service().await;
    let (allowed, denied) = alias_on_allowed_key_and_denied_key(&svc).await;
    let allowed_arn = svc.identity.key_arn(&allowed);
    let (started_tx, started_rx) = oneshot::channel();
    let (resume_tx, resume_rx) = oneshot::channel();
    let request = GenerateDataKeyPairRequest {
        key_id: Some("alias/x".into()),
        key_pair_spec: Some("ECC_NIST_P256".into()),
        ..Default::default()
    };
    assert_eq!(alias_target(&svc), allowed);
    let (answer, ()) = tokio::join!(
        run_with(
            &svc,
            ALICE,
            request,
            paused_generation(started_tx, resume_rx)
        ),
        move_alias_during_generation(&svc, &denied, started_rx, resume_tx),
    );
    // The alias flip landed inside the operation: A when it started, B when it answered.
    assert_eq!(alias_target(&svc), denied);
    let answer = answer.unwrap();
    assert_eq!(answer.key_id.as_deref(), Some(allowed_arn.as_str()));
    let blob = answer.private_key_ciphertext_blob.as_ref().unwrap();
    assert_eq!(ciphertext::key_id_of(blob.as_bytes()).unwrap(), allowed);
    let rendered = serde_json::to_value(&answer).unwrap();
    assert_eq!(
        key_that_opens(&svc, &rendered["PrivateKeyCiphertextBlob"]).await,
        allowed_arn
    );
}

#[tokio::test]
async fn without_plaintext_the_private_key_is_sealed_under_the_authorized_key_too() {
    let (svc, _clock, _parent) = test_support::service().await;
    let (allowed, denied) = alias_on_allowed_key_and_denied_key(&svc).await;
    let allowed_arn = svc.identity.key_arn(&allowed);
    let (started_tx, started_rx) = oneshot::channel();
    let (resume_tx, resume_rx) = oneshot::channel();
    let request = GenerateDataKeyPairWithoutPlaintextRequest {
        key_id: Some("alias/x".into()),
        key_pair_spec: Some("ECC_NIST_P256".into()),
        ..Default::default()
    };
    let (answer, ()) = tokio::join!(
        super::super::generate_data_key_pair_without_plaintext::run_with(
            &svc,
            ALICE,
            request,
            paused_generation(started_tx, resume_rx)
        ),
        move_alias_during_generation(&svc, &denied, started_rx, resume_tx),
    );
    assert_eq!(alias_target(&svc), denied);
    let answer = answer.unwrap();
    assert_eq!(answer.key_id.as_deref(), Some(allowed_arn.as_str()));
    let rendered = serde_json::to_value(&answer).unwrap();
    assert_eq!(
        key_that_opens(&svc, &rendered["PrivateKeyCiphertextBlob"]).await,
        allowed_arn
    );
}

#[tokio::test]
async fn a_key_disabled_during_the_generation_is_still_refused() {
    let (svc, _clock, _parent) = test_support::service().await;
    let (allowed, _denied) = alias_on_allowed_key_and_denied_key(&svc).await;
    let (started_tx, started_rx) = oneshot::channel();
    let (resume_tx, resume_rx) = oneshot::channel::<()>();
    let request = GenerateDataKeyPairRequest {
        key_id: Some("alias/x".into()),
        key_pair_spec: Some("ECC_NIST_P256".into()),
        ..Default::default()
    };
    let disable = async {
        started_rx.await.unwrap();
        let (status, _) = call(
            &svc,
            ADMIN,
            "DisableKey",
            serde_json::json!({ "KeyId": allowed }),
        )
        .await;
        assert_eq!(status, 200);
        resume_tx.send(()).unwrap();
    };
    let (answer, ()) = tokio::join!(
        run_with(
            &svc,
            ALICE,
            request,
            paused_generation(started_tx, resume_rx)
        ),
        disable,
    );
    let refused = answer.unwrap_err();
    assert_eq!(refused.kind(), KmsErrorType::Disabled);
}
