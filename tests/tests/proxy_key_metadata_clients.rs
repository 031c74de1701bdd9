#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The AWS CLI and boto3 (from the test virtualenv) against `nitro-kms-proxy --simulate` for the
//! key metadata operations of issue 18: `update-key-description`, `list-key-policies` and
//! `get-key-policy --policy-name`, and the custom key store commands for an account that has
//! none, with AWS's error codes in the clients' output. boto3's side is
//! `tests/python/key_metadata_ops.py`. The project's own `nitro-kms` CLI (its KMS commands are
//! generated from the same model) prints what the AWS CLI prints for them. Sources: botocore's model (the clients are generated from
//! it) and AWS's API reference pages for these operations.

use std::path::Path;
use std::process::Output;

use nitro_kms_tests::proxy::{
    Sim, assert_aws_error as fails_with, aws_output_json as ok, nitro_kms_command,
};
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

#[test]
fn the_aws_cli_and_boto3_find_no_custom_key_stores() {
    let sim = Sim::start(&[]);
    assert_eq!(
        ok(&sim.aws(&["describe-custom-key-stores"])),
        json!({"CustomKeyStores": []})
    );
    let store = "cks-1234567890abcdef0";
    for command in [
        "connect-custom-key-store",
        "disconnect-custom-key-store",
        "delete-custom-key-store",
        "update-custom-key-store",
        "describe-custom-key-stores",
    ] {
        fails_with(
            &sim.aws(&[command, "--custom-key-store-id", store]),
            "CustomKeyStoreNotFoundException",
            &format!("Unable to find custom key store with ID {store}"),
        );
    }
    fails_with(
        &sim.aws(&[
            "create-custom-key-store",
            "--custom-key-store-name",
            "ExampleKeyStore",
            "--cloud-hsm-cluster-id",
            "cluster-2a23b4cdefg",
            "--key-store-password",
            "kmsPswd1",
            "--trust-anchor-certificate",
            "cert",
        ]),
        "CloudHsmClusterNotFoundException",
        "Unable to find CloudHSM cluster with ID cluster-2a23b4cdefg",
    );
    boto3(&sim, &["custom-key-stores"]);
    assert_eq!(sim.terminate(), Some(0));
}

/// `nitro-kms ARGS --endpoint-url` with the simulation's keys.
fn nitro_kms(sim: &Sim, args: &[&str]) -> Output {
    nitro_kms_command(&sim.endpoint, args).output().unwrap()
}

#[test]
fn the_nitro_kms_cli_prints_what_the_aws_cli_prints_for_these_commands() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&["create-key"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let update = [
        "update-key-description",
        "--key-id",
        &key,
        "--description",
        "from nitro-kms",
    ];
    assert_eq!(ok(&nitro_kms(&sim, &update)), ok(&sim.aws(&update)));
    assert_eq!(
        ok(&sim.aws(&["describe-key", "--key-id", &key]))["KeyMetadata"]["Description"],
        "from nitro-kms"
    );
    for args in [
        &["list-key-policies", "--key-id", key.as_str()][..],
        &["describe-custom-key-stores"][..],
    ] {
        assert_eq!(ok(&nitro_kms(&sim, args)), ok(&sim.aws(args)), "{args:?}");
    }
    let connect = [
        "connect-custom-key-store",
        "--custom-key-store-id",
        "cks-1234567890abcdef0",
    ];
    let ours = nitro_kms(&sim, &connect);
    // A service error: exit 254, as AWS CLI v2 (the venv's CLI is v1, which exits 255).
    assert_eq!(ours.status.code(), Some(254));
    fails_with(
        &ours,
        "CustomKeyStoreNotFoundException",
        "Unable to find custom key store with ID cks-1234567890abcdef0",
    );
    assert_eq!(sim.terminate(), Some(0));
}
