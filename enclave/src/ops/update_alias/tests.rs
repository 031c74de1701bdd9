//! UpdateAlias against another request moving the same alias between this one's authorization
//! and its commit (issue 15): the alias changes only if it still points at the key the caller was
//! authorized on.

use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

#[tokio::test]
async fn an_alias_moved_to_a_denied_key_before_the_commit_is_not_moved_again() {
    let (svc, gate) = test_support::service_with_write_gate().await;
    let allowed = create_key(&svc, serde_json::json!({})).await;
    let elsewhere = create_key(&svc, serde_json::json!({})).await;
    let denied = create_key(&svc, serde_json::json!({ "Policy": DENIES_ALICE })).await;
    let (status, _) = call(
        &svc,
        ADMIN,
        "CreateAlias",
        serde_json::json!({"AliasName": "alias/x", "TargetKeyId": allowed}),
    )
    .await;
    assert_eq!(status, 200);
    // The admin's move to the denied key is held at the parent, its writer lock taken; alice
    // authorizes against the alias still on the allowed key and then waits for that lock.
    gate.arm();
    let admin = call(
        &svc,
        ADMIN,
        "UpdateAlias",
        serde_json::json!({"AliasName": "alias/x", "TargetKeyId": denied}),
    );
    let alice = async {
        gate.reached().await;
        let update = call(
            &svc,
            ALICE,
            "UpdateAlias",
            serde_json::json!({"AliasName": "alias/x", "TargetKeyId": elsewhere}),
        );
        let (answer, ()) = tokio::join!(update, test_support::release_after_others_wait(&gate));
        answer
    };
    let ((admin_status, _), (alice_status, alice_answer)) = tokio::join!(admin, alice);
    assert_eq!(admin_status, 200);
    assert_eq!(alice_status, 400, "{alice_answer}");
    assert_eq!(alice_answer["__type"], "ConflictException");
    let target = svc
        .store
        .read(|ks| ks.alias("alias/x").unwrap().target_key_id.clone());
    assert_eq!(target, denied);
}
