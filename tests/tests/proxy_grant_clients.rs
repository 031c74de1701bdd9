#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Grants as AWS's own clients call them, against `nitro-kms-proxy --simulate`: boto3
//! (`tests/python/grants.py`: create with a constraint and a name, the token at once, paging,
//! retiring and revoking, errors) and the AWS CLI (`create-grant`, `list-grants`). Sources: the
//! model (kms-service-2.json) and AWS's grant documentation; see `enclave_grants.rs` for which
//! messages are recorded from AWS.

use std::path::Path;

use nitro_kms_tests::proxy::{Sim, aws_output_json as ok};

#[test]
fn boto3_creates_uses_lists_retires_and_revokes_grants() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/grants.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "grants script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("grants complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn the_aws_cli_creates_and_lists_a_grant() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&["create-key"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let grant = ok(&sim.aws(&[
        "create-grant",
        "--key-id",
        &key,
        "--grantee-principal",
        "arn:aws:iam::111122223333:role/app",
        "--operations",
        "Encrypt",
        "Decrypt",
    ]));
    let grant_id = grant["GrantId"].as_str().unwrap().to_owned();
    assert!(grant["GrantToken"].as_str().is_some_and(|t| !t.is_empty()));
    let listed = ok(&sim.aws(&["list-grants", "--key-id", &key]));
    assert_eq!(listed["Grants"][0]["GrantId"], grant_id.as_str());
    assert_eq!(
        listed["Grants"][0]["Operations"],
        serde_json::json!(["Encrypt", "Decrypt"])
    );
    assert_eq!(sim.terminate(), Some(0));
}
