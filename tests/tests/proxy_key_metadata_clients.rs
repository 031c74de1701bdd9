#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The AWS CLI and boto3 (from the test virtualenv) against `nitro-kms-proxy --simulate` for the
//! key metadata operations of issue 18: `update-key-description`, `list-key-policies` and
//! `get-key-policy --policy-name`, with AWS's error codes in the clients' output. boto3's side is
//! `tests/python/key_metadata_ops.py`. Sources: botocore's model (the clients are generated from
//! it) and AWS's API reference pages for these operations.

use std::path::Path;

use nitro_kms_tests::proxy::{Sim, assert_aws_error as fails_with, aws_output_json as ok};
use serde_json::{Value, json};

fn boto3(sim: &Sim, args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/key_metadata_ops.py");
    let out = sim.python(&script, args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "boto3 failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("boto3 key metadata complete"), "{stdout}");
}

#[test]
fn the_aws_cli_and_boto3_update_descriptions_and_list_key_policies() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&["create-key", "--description", "before"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    // No output shape: the CLI prints nothing.
    assert_eq!(
        ok(&sim.aws(&[
            "update-key-description",
            "--key-id",
            &key,
            "--description",
            "after"
        ])),
        Value::Null
    );
    let described = ok(&sim.aws(&["describe-key", "--key-id", &arn]));
    assert_eq!(described["KeyMetadata"]["Description"], "after");
    // The CLI follows ListKeyPolicies' pages and prints the merged PolicyNames.
    assert_eq!(
        ok(&sim.aws(&["list-key-policies", "--key-id", &key])),
        json!({"PolicyNames": ["default"]})
    );
    let got = ok(&sim.aws(&[
        "get-key-policy",
        "--key-id",
        &key,
        "--policy-name",
        "default",
    ]));
    assert_eq!(got["PolicyName"], "default");
    fails_with(
        &sim.aws(&[
            "get-key-policy",
            "--key-id",
            &key,
            "--policy-name",
            "AWS_RAM",
        ]),
        "NotFoundException",
        "No such policy exists: AWS_RAM",
    );
    fails_with(
        &sim.aws(&[
            "update-key-description",
            "--key-id",
            "alias/nope",
            "--description",
            "x",
        ]),
        "NotFoundException",
        "Invalid keyId 'alias/nope'",
    );
    boto3(&sim, &[]);
    assert_eq!(sim.terminate(), Some(0));
}
