#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What the enclave's own HTTP endpoint answers for an operation it does not serve: a real AWS KMS
//! operation this service leaves out is `UnsupportedOperationException` naming it (so a client
//! learns it hit this service's limit, not a typo), a name outside the model
//! `UnknownOperationException` with a message naming what was asked for. Both are HTTP 400, as
//! AWS's protocol errors are.

use nitro_kms_tests::enclave::Enclave;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_operations_not_served_are_unsupported_and_other_names_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let enclave = Enclave::start(&dir.path().join("w"), &dir.path().join("p"), &[]).await;
    let key = enclave.create_key().await;
    for op in ["GetKeyLastUsage"] {
        let reply = enclave.call(op, &json!({"KeyId": key})).await;
        reply.assert_error(
            400,
            "UnsupportedOperationException",
            &format!(
                "{op} is not supported by this service (nitro-kms implements a subset of AWS KMS)"
            ),
        );
    }
    let reply = enclave.call("NoSuchOperation", &json!({})).await;
    reply.assert_error(
        400,
        "UnknownOperationException",
        "TrentService.NoSuchOperation is not an operation of AWS KMS (TrentService)",
    );
}
