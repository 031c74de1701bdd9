#![allow(clippy::unwrap_used, clippy::expect_used)]
//! GetKeyLastUsage (issue 18) through boto3 and the AWS CLI against `nitro-kms-proxy
//! --simulate`: botocore's model has the operation, so both clients call it as they would call
//! AWS. boto3's side is `tests/python/key_last_usage.py` (uses, request ids, ReEncrypt's two keys,
//! failures not counted, aliases refused); here the AWS CLI's `get-key-last-usage`. That a flushed
//! use survives a reload is pinned in process (enclave/src/ops/get_key_last_usage/tests.rs).
//! Sources: botocore's KMS model and AWS's API reference page for GetKeyLastUsage.

use std::path::Path;

use nitro_kms_tests::proxy::{Sim, assert_aws_error, aws_output_json as ok};
use serde_json::json;

#[test]
fn boto3_sees_each_successful_cryptographic_operation_as_the_last_use() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/key_last_usage.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "boto3 failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("boto3 key last usage complete"), "{stdout}");
}

#[test]
fn the_aws_cli_gets_the_last_use_and_an_alias_is_refused() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&["create-key"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let fresh = ok(&sim.aws(&["get-key-last-usage", "--key-id", &key]));
    assert_eq!(fresh["KeyLastUsage"], json!({}));
    assert_eq!(fresh["KeyId"], json!(key));
    ok(&sim.aws(&[
        "generate-data-key",
        "--key-id",
        &key,
        "--key-spec",
        "AES_256",
    ]));
    let used = ok(&sim.aws(&["get-key-last-usage", "--key-id", &key]));
    assert_eq!(used["KeyLastUsage"]["Operation"], "GenerateDataKey");
    assert!(used["KeyLastUsage"]["KmsRequestId"].is_string(), "{used}");
    ok(&sim.aws(&[
        "create-alias",
        "--alias-name",
        "alias/cli",
        "--target-key-id",
        &key,
    ]));
    assert_aws_error(
        &sim.aws(&["get-key-last-usage", "--key-id", "alias/cli"]),
        "NotFoundException",
        "Invalid keyId 'alias/cli'",
    );
}
