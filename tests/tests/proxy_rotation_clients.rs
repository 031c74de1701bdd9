#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Key rotation as AWS's own clients call it, against `nitro-kms-proxy --simulate`: boto3
//! (`tests/python/key_rotation.py`: every rotation operation, paging, errors, old ciphertexts
//! after three rotations) and the AWS CLI (`enable-key-rotation`, `get-key-rotation-status`,
//! `rotate-key-on-demand`, `list-key-rotations`, and a key policy denying
//! `kms:RotateKeyOnDemand`). Sources: the model (kms-service-2.json) and the recorded AWS errors
//! (`shared/spec/aws-kms-real-errors.txt`).

use std::path::Path;

use nitro_kms_tests::proxy::{Sim, aws_command, aws_output_json as ok};

#[test]
fn boto3_enables_rotates_lists_and_decrypts_old_ciphertexts() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/key_rotation.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rotation script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("key rotation complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn the_aws_cli_rotates_a_key_and_a_policy_can_deny_on_demand_rotation() {
    let sim = Sim::start(&[]);
    let created = ok(&sim.aws(&["create-key"]));
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    ok(&sim.aws(&[
        "enable-key-rotation",
        "--key-id",
        &key,
        "--rotation-period-in-days",
        "180",
    ]));
    let status = ok(&sim.aws(&["get-key-rotation-status", "--key-id", &key]));
    assert_eq!(status["KeyRotationEnabled"], true);
    assert_eq!(status["RotationPeriodInDays"], 180);
    let rotated = ok(&sim.aws(&["rotate-key-on-demand", "--key-id", &key]));
    assert_eq!(rotated["KeyId"], key.as_str());
    let listed = ok(&sim.aws(&["list-key-rotations", "--key-id", &key]));
    assert_eq!(listed["Rotations"].as_array().unwrap().len(), 1);
    assert_eq!(listed["Rotations"][0]["RotationType"], "ON_DEMAND");

    // A policy that denies kms:RotateKeyOnDemand (and allows the rest) refuses the rotation.
    let caller = ok(&aws_command("sts", &sim.endpoint, &["get-caller-identity"])
        .env("HOME", &sim.dir)
        .output()
        .unwrap());
    let caller = caller["Arn"].as_str().unwrap().to_owned();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "All", "Effect": "Allow", "Principal": {"AWS": caller}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "NoRotate", "Effect": "Deny", "Principal": {"AWS": caller}, "Action": "kms:RotateKeyOnDemand", "Resource": "*"}
        ]
    })
    .to_string();
    let denied_key = ok(&sim.aws(&["create-key", "--policy", &policy]));
    let denied_key = denied_key["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = sim.aws(&["rotate-key-on-demand", "--key-id", &denied_key]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(
            "An error occurred (AccessDeniedException) when calling the RotateKeyOnDemand operation"
        ) && stderr.contains("kms:RotateKeyOnDemand"),
        "{stderr}"
    );
    let status = ok(&sim.aws(&["get-key-rotation-status", "--key-id", &denied_key]));
    assert_eq!(status["KeyRotationEnabled"], false);
    assert_eq!(sim.terminate(), Some(0));
}
