#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What the enclave's own HTTP endpoint answers for an operation it does not serve. Since issue 18
//! every operation of the KMS model is served (the last ones added are checked here to be
//! answered, not refused); a model operation left out would be `UnsupportedOperationException`
//! naming it (pinned in `nitro_kms_api`'s unit tests), and a name outside the model is
//! `UnknownOperationException` with a message naming what was asked for, HTTP 400 as AWS's
//! protocol errors are.

use nitro_kms_tests::enclave::Enclave;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_model_operation_is_served_and_other_names_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let key = enclave.create_key().await;
    for op in [
        "GetKeyLastUsage",
        "ReplicateKey",
        "UpdatePrimaryRegion",
        "Encapsulate",
        "Decapsulate",
        "CreateGrant",
    ] {
        let reply = enclave.call(op, &json!({"KeyId": key})).await;
        assert_ne!(
            reply.error_type(),
            "UnsupportedOperationException",
            "{op}: {}",
            reply.body
        );
    }
    let reply = enclave.call("NoSuchOperation", &json!({})).await;
    reply.assert_error(
        400,
        "UnknownOperationException",
        "TrentService.NoSuchOperation is not an operation of AWS KMS (TrentService)",
    );
}
